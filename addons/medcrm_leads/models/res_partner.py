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
    # Counterparties are mastered in 1C: one made in the CRM (from a lead, after the duplicate check)
    # waits here until the 1C bridge has exported it and received its 1C GUID.
    medcrm_export_to_1c = fields.Boolean(
        string="To export to 1C",
        copy=False,
        index=True,
        help="Created in the CRM and not yet exported to 1C; the 1C bridge exports it and clears the flag.",
    )
