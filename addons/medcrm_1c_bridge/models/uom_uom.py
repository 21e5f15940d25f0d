from odoo import fields, models


class UomUom(models.Model):
    _inherit = "uom.uom"

    medcrm_1c_guid = fields.Char(string="1C reference", copy=False, readonly=True)
    medcrm_1c_okei = fields.Char(
        string="OKEI code", help="Code of the unit in the Russian classifier of units (ОКЕИ), e.g. 796 for a piece."
    )

    _sql_constraints = [
        ("medcrm_1c_guid_uniq", "unique(medcrm_1c_guid)", "Another unit of measure mirrors this 1C unit."),
    ]
