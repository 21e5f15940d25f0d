from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        self.env["product.template"]._medcrm_check_catalogue_edit()
        return super().create(vals_list)

    def write(self, vals):
        self.env["product.template"]._medcrm_check_catalogue_edit()
        return super().write(vals)

    def unlink(self):
        self.env["product.template"]._medcrm_check_catalogue_edit()
        return super().unlink()
