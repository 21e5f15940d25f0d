from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_is_zero


class MedcrmNeedLine(models.Model):
    """A catalogue product the client needs: no free text, no product created from here."""

    _name = "medcrm.need.line"
    _description = "Need line"
    _order = "need_id, sequence, id"
    _check_company_auto = True

    need_id = fields.Many2one("medcrm.need", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="need_id.company_id", store=True, index=True)
    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        domain="[('sale_ok', '=', True)]",
    )
    product_uom_category_id = fields.Many2one(related="product_id.uom_id.category_id")
    product_uom_qty = fields.Float(string="Quantity", required=True, default=1.0, digits="Product Unit of Measure")
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        required=True,
        compute="_compute_product_uom_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('category_id', '=', product_uom_category_id)]",
    )
    date_wanted = fields.Date(string="Wanted on")
    registry_code = fields.Char(related="product_id.medcrm_registry_code", string="Registration certificate")
    qty_available = fields.Float(
        string="On hand",
        compute="_compute_stock",
        digits="Product Unit of Measure",
        help="Quantity on hand in the unit of the line.",
    )
    in_stock = fields.Boolean(string="In stock", compute="_compute_stock", help="The whole quantity is on hand.")
    amount_estimated = fields.Monetary(
        string="Estimated amount",
        compute="_compute_amount_estimated",
        currency_field="currency_id",
        help="Quantity × sales price of the product.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    # The need's attributes, stored for analytics (pivot by product × counterparty × manager × period)
    # and for the record rules.
    partner_id = fields.Many2one(related="need_id.partner_id", store=True, index=True, string="Counterparty")
    user_id = fields.Many2one(related="need_id.user_id", store=True, index=True, string="Responsible manager")
    state = fields.Selection(related="need_id.state", store=True, string="Status")
    date_from = fields.Date(related="need_id.date_from", store=True, string="Needed from")
    # What the duplicate check reads from a line, so that it never has to visit the need: the period, the
    # deal, whether the line is compared at all (open needs and needs of open deals).
    date_to = fields.Date(related="need_id.date_to", store=True, string="Needed until")
    deal_id = fields.Many2one(related="need_id.deal_id", store=True, string="Deal")
    is_duplicate_candidate = fields.Boolean(related="need_id.is_duplicate_candidate", store=True)

    def init(self):
        # The duplicate check reads the compared lines by product, from the index alone (historic lines,
        # the vast majority, stay out of it).
        self.env.cr.execute("DROP INDEX IF EXISTS medcrm_need_line_duplicate_candidate_idx")
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS medcrm_need_line_duplicate_check_idx
                   ON medcrm_need_line (product_id)
                   INCLUDE (need_id, state, company_id, date_from, date_to, deal_id)
                WHERE is_duplicate_candidate"""
        )

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            if not line.product_uom_id or line.product_uom_id.category_id != line.product_id.uom_id.category_id:
                line.product_uom_id = line.product_id.uom_id

    @api.depends("product_id", "product_uom_id", "product_uom_qty")
    @api.depends_context("company")
    def _compute_stock(self):
        for line in self:
            product = line.product_id
            if not product or not line.product_uom_id:
                line.qty_available = 0.0
                line.in_stock = False
                continue
            qty = product.uom_id._compute_quantity(
                product.qty_available, line.product_uom_id, rounding_method="HALF-UP"
            )
            line.qty_available = qty
            line.in_stock = (
                float_compare(qty, line.product_uom_qty, precision_rounding=line.product_uom_id.rounding) >= 0
            )

    @api.depends("product_id", "product_uom_id", "product_uom_qty")
    def _compute_amount_estimated(self):
        for line in self:
            product = line.product_id
            if not product or not line.product_uom_id:
                line.amount_estimated = 0.0
                continue
            price = product.uom_id._compute_price(product.lst_price, line.product_uom_id)
            line.amount_estimated = price * line.product_uom_qty

    # ------------------------------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------------------------------

    @api.constrains("product_uom_qty")
    def _check_quantity(self):
        for line in self:
            rounding = line.product_uom_id.rounding or 0.01
            if line.product_uom_qty < 0 or float_is_zero(line.product_uom_qty, precision_rounding=rounding):
                raise ValidationError(
                    self.env._(
                        "The quantity of «%(product)s» in need %(need)s must be greater than zero.",
                        product=line.product_id.display_name,
                        need=line.need_id.name,
                    )
                )

    @api.constrains("product_id", "product_uom_id")
    def _check_unit_category(self):
        for line in self:
            if line.product_uom_id.category_id != line.product_id.uom_id.category_id:
                raise ValidationError(
                    self.env._(
                        "The unit «%(unit)s» does not fit the product «%(product)s»; choose a unit of "
                        "the category «%(category)s».",
                        unit=line.product_uom_id.name,
                        product=line.product_id.display_name,
                        category=line.product_id.uom_id.category_id.name,
                    )
                )

    def _check_catalogue_products(self):
        """Only active, saleable catalogue products; checked on every write, not only in the view."""
        for line in self:
            product = line.product_id.sudo()
            if not product.active or not product.product_tmpl_id.active:
                raise ValidationError(
                    self.env._(
                        "The product «%(product)s» is archived in the catalogue and cannot be added to a need.",
                        product=product.display_name,
                    )
                )
            if not product.sale_ok:
                raise ValidationError(
                    self.env._(
                        "The product «%(product)s» is not for sale and cannot be added to a need.",
                        product=product.display_name,
                    )
                )

    # ------------------------------------------------------------------------------------------
    # CRUD: a line belongs to its need; closed needs are read-only, open ones are rechecked
    # ------------------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        needs = self.env["medcrm.need"].browse({vals["need_id"] for vals in vals_list if vals.get("need_id")})
        needs._check_lines_editable()
        lines = super().create(vals_list)
        lines._check_catalogue_products()
        lines.need_id._recheck_after_line_change()
        return lines

    def write(self, vals):
        self.need_id._check_lines_editable()
        if "need_id" in vals:
            self.env["medcrm.need"].browse(vals["need_id"])._check_lines_editable()
        needs = self.need_id
        res = super().write(vals)
        if "product_id" in vals:
            self._check_catalogue_products()
        (needs | self.need_id)._recheck_after_line_change()
        return res

    def unlink(self):
        needs = self.need_id
        needs._check_lines_editable()
        res = super().unlink()
        needs.exists()._recheck_after_line_change()
        return res

    # ------------------------------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------------------------------

    def _prepare_quotation_line_values(self):
        """Values of the quotation (sale.order.line) line made from this need line."""
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_uom_qty": self.product_uom_qty,
            "product_uom": self.product_uom_id.id,
            "sequence": self.sequence,
        }
