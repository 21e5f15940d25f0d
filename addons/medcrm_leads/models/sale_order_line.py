from odoo import api, models
from odoo.exceptions import ValidationError


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # ------------------------------------------------------------
    # CATALOGUE ONLY (КП lines, as need lines)
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._medcrm_check_catalogue_lines()
        lines._medcrm_apply_procurement_route()
        return lines

    def write(self, vals):
        result = super().write(vals)
        if {"name", "product_id"} & set(vals):
            self._medcrm_check_catalogue_lines()
        if "product_id" in vals:
            self._medcrm_apply_procurement_route(reset=True)
        return result

    def _medcrm_is_catalogue_line(self):
        """A product line of a deal's quotation (not a section, a note, a down payment)."""
        self.ensure_one()
        return bool(not self.display_type and not self.is_downpayment and self.order_id.opportunity_id)

    def _medcrm_catalogue_description(self):
        """The description Odoo writes from the catalogue product, in the client's language."""
        self.ensure_one()
        line = self.with_context(lang=self.order_id._get_lang())
        return line._get_sale_order_line_multiline_description_sale()

    def _medcrm_check_catalogue_lines(self):
        """Products come only from the catalogue, with the catalogue's own description: no hand-typed names."""
        for line in self:
            if not line._medcrm_is_catalogue_line():
                continue
            product = line.product_id.sudo()
            if not product:
                raise ValidationError(
                    self.env._(
                        "Commercial offer %(order)s: choose a catalogue product for the line «%(text)s»; products "
                        "cannot be typed by hand. Write remarks in a note line.",
                        order=line.order_id.name,
                        text=line.name or "",
                    )
                )
            if not product.active or not product.sale_ok:
                raise ValidationError(
                    self.env._(
                        "The product «%(product)s» is not for sale in the catalogue and cannot be offered.",
                        product=product.display_name,
                    )
                )
            if (line.name or "").strip() != (line._medcrm_catalogue_description() or "").strip():
                raise ValidationError(
                    self.env._(
                        "Commercial offer %(order)s: the description of «%(product)s» comes from the catalogue and "
                        "cannot be typed by hand. Write remarks in a note line.",
                        order=line.order_id.name,
                        product=product.display_name,
                    )
                )

    # ------------------------------------------------------------
    # PROCUREMENT: own production from stock, other manufacturers bought to order
    # ------------------------------------------------------------

    def _medcrm_is_third_party(self):
        """Goods of another manufacturer: bought from their supplier for this order."""
        self.ensure_one()
        product = self.product_id
        return bool(
            not self.display_type
            and product.type == "consu"
            and not product.sudo().product_tmpl_id.medcrm_own_production
        )

    @api.model
    def _medcrm_third_party_route(self):
        """Odoo's make-to-order route: the order's demand goes to the warehouse's buy rule."""
        route = self.env.ref("stock.route_warehouse0_mto", raise_if_not_found=False)
        return route if route and route.active else self.env["stock.route"]

    def _medcrm_apply_procurement_route(self, reset=False):
        """Goods of other manufacturers are bought to order (make-to-order, then buy); own goods come from stock.

        A route chosen by hand stays (e.g. a third-party product already in stock); ``reset`` after a change
        of product re-applies the rule.
        """
        route = self._medcrm_third_party_route()
        if not route:
            return
        for line in self.filtered(lambda line: line.state != "sale" or not line.move_ids):
            if line.display_type or (line.route_id and not reset):
                continue
            wanted = route if line._medcrm_is_third_party() else self.env["stock.route"]
            if line.route_id != wanted and (not line.route_id or line.route_id == route or reset):
                line.route_id = wanted

    def _medcrm_procure_after_payment(self):
        """Third-party goods are bought only once the order is paid (100 % prepayment)."""
        self.ensure_one()
        route = self._medcrm_third_party_route()
        return bool(route and self.route_id == route and not self.order_id.medcrm_paid_date)

    def _action_launch_stock_rule(self, previous_product_uom_qty=False):
        waiting = self.filtered(lambda line: line._medcrm_procure_after_payment())
        return super(SaleOrderLine, self - waiting)._action_launch_stock_rule(previous_product_uom_qty)

    def _medcrm_ensure_vendors(self):
        """Give every bought-to-order product a vendor: its own supplier list first, else the supplier of its
        manufacturer (set once per manufacturer: the catalogue comes from 1C without vendors).

        :return: the lines whose product has no vendor at all
        """
        route = self._medcrm_third_party_route()
        missing = self.browse()
        Supplierinfo = self.env["product.supplierinfo"].sudo()
        for line in self.filtered(lambda line: route and line.route_id == route):
            product = line.product_id.sudo()
            company = line.company_id
            sellers = product.seller_ids.filtered(
                lambda seller, company=company: not seller.company_id or seller.company_id == company
            )
            if sellers:
                continue
            vendor = product.product_tmpl_id.medcrm_manufacturer_id.medcrm_vendor_id
            if not vendor:
                missing |= line
                continue
            Supplierinfo.create(
                {
                    "partner_id": vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "product_id": product.id if product.product_tmpl_id.product_variant_count > 1 else False,
                    "company_id": company.id,
                    "min_qty": 0.0,
                    "price": product.standard_price,
                    "currency_id": company.currency_id.id,
                }
            )
        return missing
