from odoo import api, fields, models

from .medcrm_need_duplicate_check import OPEN_ORDER_STATES


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
    medcrm_in_open_deal = fields.Boolean(
        string="Quotation of an open deal",
        compute="_compute_medcrm_in_open_deal",
        store=True,
        help="An open quotation or order of an open deal: its lines are compared by the need duplicate check.",
    )

    @api.depends("opportunity_id")
    def _compute_medcrm_need_id(self):
        for order in self:
            if order.opportunity_id.medcrm_need_id:
                order.medcrm_need_id = order.opportunity_id.medcrm_need_id

    @api.depends(
        "state",
        "opportunity_id.active",
        "opportunity_id.type",
        "opportunity_id.probability",
        "opportunity_id.stage_id.is_won",
    )
    def _compute_medcrm_in_open_deal(self):
        for order in self:
            order.medcrm_in_open_deal = order.state in OPEN_ORDER_STATES and order.opportunity_id._medcrm_is_open_deal()

    def _prepare_invoice(self):
        values = super()._prepare_invoice()
        if self.medcrm_need_number:
            # The reference prints on the invoice: the client and 1C see the need number there.
            values["ref"] = ", ".join(filter(None, [values.get("ref"), self.medcrm_need_number]))
        return values


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # What the need duplicate check reads from a quotation line, from a partial index alone.
    medcrm_in_open_deal = fields.Boolean(related="order_id.medcrm_in_open_deal", store=True)
    medcrm_deal_id = fields.Many2one(related="order_id.opportunity_id", store=True, string="Deal")

    def init(self):
        self.env.cr.execute("DROP INDEX IF EXISTS sale_order_line_medcrm_open_deal_idx")
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sale_order_line_medcrm_duplicate_check_idx
                   ON sale_order_line (product_id) INCLUDE (medcrm_deal_id, company_id) WHERE medcrm_in_open_deal"""
        )
