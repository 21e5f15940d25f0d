from odoo import fields, models


class MedcrmManufacturer(models.Model):
    _inherit = "medcrm.manufacturer"

    medcrm_1c_guid = fields.Char(string="1C reference", copy=False, readonly=True)

    _sql_constraints = [
        ("medcrm_1c_guid_uniq", "unique(medcrm_1c_guid)", "Another manufacturer mirrors this 1C manufacturer."),
    ]
