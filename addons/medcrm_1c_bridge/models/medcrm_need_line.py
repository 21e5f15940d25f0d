from odoo import models
from odoo.exceptions import ValidationError


class MedcrmNeedLine(models.Model):
    _inherit = "medcrm.need.line"

    def _check_catalogue_products(self):
        """Once a 1C connection has received the catalogue (its first product exchange is done), products come
        from it only: a product without its 1C reference (made by hand in the CRM) cannot be asked for."""
        super()._check_catalogue_products()
        if not self or not self.env["medcrm.1c.connection"].sudo().search_count(
            [("active", "=", True), ("sync_products", "=", True), ("last_product_sync", "!=", False)], limit=1
        ):
            return
        for line in self:
            if not line.product_id.sudo().product_tmpl_id.medcrm_1c_guid:
                raise ValidationError(
                    self.env._(
                        "The product «%(product)s» is not in the 1C catalogue: choose a product received from 1C "
                        "(products are created in 1C, not in the CRM).",
                        product=line.product_id.display_name,
                    )
                )
