from odoo import fields, models


class MedcrmManufacturer(models.Model):
    """Manufacturer of a product, mirrored from 1C (Производители); not edited in the CRM."""

    _name = "medcrm.manufacturer"
    _description = "Manufacturer"
    _order = "name"

    name = fields.Char(required=True, translate=False)
    country_id = fields.Many2one("res.country")
    is_own = fields.Boolean(
        string="Our company",
        help="Goods of this manufacturer are made by our own production.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A manufacturer with this name already exists."),
    ]
