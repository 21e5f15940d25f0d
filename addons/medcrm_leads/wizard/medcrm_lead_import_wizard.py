from odoo import fields, models


class MedcrmLeadImportWizard(models.TransientModel):
    """Visitors of an exhibition or a regional conference: the event is a utm campaign, the file (CSV or XLSX)
    goes through Odoo's import with the channel and the campaign preset on every lead."""

    _name = "medcrm.lead.import.wizard"
    _description = "Import the contacts of an event"

    source_id = fields.Many2one(
        "utm.source",
        string="Channel",
        required=True,
        default=lambda self: self.env.ref("medcrm_leads.utm_source_exhibition", raise_if_not_found=False),
    )
    campaign_id = fields.Many2one(
        "utm.campaign", string="Event", required=True, help="The exhibition or conference, e.g. «Здравоохранение-2026»."
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", help="Team whose queue receives the leads (empty: the intake team)."
    )

    def _prepare_import_context(self):
        self.ensure_one()
        context = {
            "default_source_id": self.source_id.id,
            "default_campaign_id": self.campaign_id.id,
            "default_medium_id": self.env.ref("medcrm_leads.utm_medium_event").id,
            "default_type": "lead",
        }
        if self.team_id:
            context["default_team_id"] = self.team_id.id
        return context

    def action_open_import(self):
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "import",
            "name": self.env._("Import the contacts of %(event)s", event=self.campaign_id.name),
            "params": {"model": "crm.lead", "context": self._prepare_import_context()},
        }
