from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext


class CrmLeadLost(models.TransientModel):
    _inherit = "crm.lead.lost"

    medcrm_send_farewell = fields.Boolean(
        string="Send the farewell e-mail with the survey",
        help="The contact receives a farewell e-mail with a short survey about his company.",
    )
    medcrm_has_deal = fields.Boolean(compute="_compute_medcrm_has_deal")

    @api.depends("lead_ids.type")
    def _compute_medcrm_has_deal(self):
        for wizard in self:
            wizard.medcrm_has_deal = any(lead.type == "opportunity" for lead in wizard.lead_ids)

    def action_lost_reason_apply(self):
        leads = self.lead_ids  # read before they are archived (x2many hide archived records)
        deals = leads.filtered(lambda lead: lead.type == "opportunity")
        if deals:
            # a deal is lost with a reason of the list and a comment; the loss notifies the head and says
            # farewell to the client (crm.lead.action_set_lost)
            comment = html2plaintext(self.lost_feedback or "").strip()
            if not self.lost_reason_id:
                raise UserError(self.env._("Choose the reason the deal was lost from the list."))
            if not comment:
                raise UserError(self.env._("Write a comment: why was the deal lost, what did the client say?"))
            deals.write({"medcrm_lost_comment": comment})
        result = super().action_lost_reason_apply()
        if self.medcrm_send_farewell:
            (leads - deals)._medcrm_send_farewell()
        return result if result is not None else True  # XML-RPC cannot marshal None
