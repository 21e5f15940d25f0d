from odoo import fields, models


class CrmLeadLost(models.TransientModel):
    _inherit = "crm.lead.lost"

    medcrm_send_farewell = fields.Boolean(
        string="Send the farewell e-mail with the survey",
        help="The contact receives a farewell e-mail with a short survey about his company.",
    )

    def action_lost_reason_apply(self):
        leads = self.lead_ids  # read before they are archived (x2many hide archived records)
        result = super().action_lost_reason_apply()
        if self.medcrm_send_farewell:
            leads._medcrm_send_farewell()
        return result
