from odoo import fields, models


class MedcrmLeadHandoverWizard(models.TransientModel):
    """Hand leads over to another salesperson, saying why (the reason goes into the lead's history)."""

    _name = "medcrm.lead.handover.wizard"
    _description = "Hand over leads"

    lead_ids = fields.Many2many("crm.lead", string="Leads", required=True)
    user_id = fields.Many2one("res.users", string="Hand over to", required=True, domain="[('share', '=', False)]")
    note = fields.Char(string="Why", required=True, help="E.g. the client is in his region, he knows the dealer.")

    def action_handover(self):
        self.ensure_one()
        self.lead_ids.with_context(medcrm_handover_reason="manual", medcrm_handover_note=self.note).write(
            {"user_id": self.user_id.id}
        )
        return {"type": "ir.actions.act_window_close"}
