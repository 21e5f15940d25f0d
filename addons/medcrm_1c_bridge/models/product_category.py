from odoo import fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    medcrm_1c_guid = fields.Char(string="1C reference", copy=False, readonly=True)

    _sql_constraints = [
        ("medcrm_1c_guid_uniq", "unique(medcrm_1c_guid)", "Another product category mirrors this 1C group."),
    ]
