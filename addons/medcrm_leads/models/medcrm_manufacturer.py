from odoo import fields, models


class MedcrmManufacturer(models.Model):
    _inherit = "medcrm.manufacturer"

    medcrm_vendor_id = fields.Many2one(
        "res.partner",
        string="Supplier",
        domain="[('is_company', '=', True)]",
        help="Who we buy this manufacturer's goods from (the manufacturer itself or its distributor). Purchase "
        "orders for a client's order go to this supplier unless the product has its own supplier list.",
    )
