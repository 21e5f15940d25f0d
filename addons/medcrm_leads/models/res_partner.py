from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # INN is Odoo's `vat` (validated by base_vat with python-stdnum); KPP has no Odoo field.
    medcrm_kpp = fields.Char(
        string="KPP",
        size=9,
        index="btree_not_null",
        help="Tax registration reason code (КПП) of a Russian organisation: 9 characters.",
    )
