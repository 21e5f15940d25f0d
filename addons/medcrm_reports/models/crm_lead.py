from odoo import api, fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The interest a deal continues: a deal made from a need of a lead (or of a deal made that way) belongs
    # to the lead's interest, so channel conversion counts one interest and all that came out of it.
    medcrm_interest_id = fields.Many2one(
        "crm.lead",
        string="Original interest",
        compute="_compute_medcrm_interest_id",
        store=True,
        recursive=True,
        index="btree_not_null",
        help="The incoming interest (lead) this deal comes from through its need; empty for an interest itself.",
    )

    @api.depends("medcrm_need_id.lead_id.medcrm_interest_id")
    def _compute_medcrm_interest_id(self):
        for lead in self:
            origin = lead.medcrm_need_id.lead_id
            interest = origin.medcrm_interest_id or origin
            lead.medcrm_interest_id = interest if interest and interest != lead else False

    def _message_create(self, values_list):
        messages = super()._message_create(values_list)
        self.env["medcrm.lead.handover"].sudo()._medcrm_record_responses(messages)
        return messages
