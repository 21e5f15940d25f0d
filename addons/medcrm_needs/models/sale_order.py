from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # The duplicate check reads the quotations of a deal: index the link (sale_crm leaves it without one).
    opportunity_id = fields.Many2one(index="btree_not_null")
    medcrm_need_id = fields.Many2one(
        "medcrm.need",
        string="Need",
        index="btree_not_null",
        copy=False,
        compute="_compute_medcrm_need_id",
        store=True,
        readonly=False,
        tracking=True,
        help="The need this quotation answers; its number goes to the invoice and to 1C.",
    )
    medcrm_need_number = fields.Char(
        related="medcrm_need_id.name", string="Need number", store=True, index="btree_not_null"
    )

    @api.depends("opportunity_id")
    def _compute_medcrm_need_id(self):
        for order in self:
            if order.opportunity_id.medcrm_need_id:
                order.medcrm_need_id = order.opportunity_id.medcrm_need_id

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        if self.medcrm_need_number:
            # The reference prints on the invoice: the client and 1C see the need number there.
            values["ref"] = ", ".join(filter(None, [values.get("ref"), self.medcrm_need_number]))
        return values
