from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    medcrm_need_id = fields.Many2one(
        "medcrm.need",
        string="Need",
        index="btree_not_null",
        copy=False,
        tracking=True,
        help="The need this deal was created from; its number travels to the quotation, the invoice and 1C.",
    )
    medcrm_need_number = fields.Char(
        related="medcrm_need_id.name", string="Need number", store=True, index="btree_not_null"
    )
    medcrm_source_need_ids = fields.One2many("medcrm.need", "lead_id", string="Needs identified")
    medcrm_source_need_count = fields.Integer(string="Needs", compute="_compute_medcrm_source_need_count")

    @api.depends("medcrm_source_need_ids")
    def _compute_medcrm_source_need_count(self):
        counts = dict(
            self.env["medcrm.need"]
            .with_context(active_test=False)
            ._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["__count"])
        )
        for lead in self:
            lead.medcrm_source_need_count = counts.get(lead, 0)

    def _medcrm_is_open_deal(self):
        """Open deal: an active opportunity, neither won nor lost (the SQL twin is OPEN_DEAL_SQL)."""
        if not self:
            return False
        self.ensure_one()
        return bool(
            self.active and self.type == "opportunity" and (self.probability or 0.0) < 100 and not self.stage_id.is_won
        )

    def action_view_medcrm_need(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "medcrm.need",
            "res_id": self.medcrm_need_id.id,
            "views": [(False, "form")],
        }

    def action_view_medcrm_source_needs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("medcrm_needs.medcrm_need_action")
        action["domain"] = [("lead_id", "=", self.id)]
        action["context"] = {
            "active_test": False,
            "default_lead_id": self.id,
            "default_partner_id": self.partner_id.commercial_partner_id.id,
        }
        return action
