from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    medcrm_need_number = fields.Char(
        string="Need number",
        compute="_compute_medcrm_need_number",
        store=True,
        index="btree_not_null",
        help="Numbers of the needs of the sale orders invoiced here.",
    )

    @api.depends("invoice_line_ids.sale_line_ids.order_id.medcrm_need_number")
    def _compute_medcrm_need_number(self):
        for move in self:
            numbers = move.invoice_line_ids.sale_line_ids.order_id.mapped("medcrm_need_number")
            move.medcrm_need_number = ", ".join(sorted(set(filter(None, numbers)))) or False
