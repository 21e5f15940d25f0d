from odoo import api, fields, models
from odoo.exceptions import UserError


class ProductTemplate(models.Model):
    _inherit = "product.template"
    # official names as 1C keeps them (НаименованиеПолное): longer than the input guard's default
    _medcrm_text_limits = {"medcrm_1c_full_name": 2000}

    # The product is a mirror of a 1C catalog item (Номенклатура): these fields say which one and how fresh.
    medcrm_1c_guid = fields.Char(string="1C reference", copy=False, readonly=True)
    medcrm_1c_code = fields.Char(string="Code in 1C", copy=False, readonly=True)
    medcrm_1c_version = fields.Char(
        string="1C data version", copy=False, readonly=True, help="DataVersion of the 1C object when last read."
    )
    medcrm_1c_full_name = fields.Char(string="Full name in 1C", readonly=True)
    medcrm_1c_stock_qty = fields.Float(
        string="Stock in 1C",
        readonly=True,
        digits="Product Unit of Measure",
        help="Balance over the warehouses of 1C at the last exchange.",
    )
    medcrm_1c_synced_at = fields.Datetime(string="Read from 1C on", copy=False, readonly=True)
    medcrm_1c_connection_id = fields.Many2one(
        "medcrm.1c.connection",
        string="1C connection",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The 1C base this product is mirrored from: only its exchanges update, price or archive it.",
    )

    _sql_constraints = [
        ("medcrm_1c_guid_uniq", "unique(medcrm_1c_guid)", "Another product mirrors this 1C item."),
    ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_medcrm_1c_mirror(self):
        if not self.env.su and not self.env.user.has_group("base.group_system") and self.filtered("medcrm_1c_guid"):
            raise UserError(
                self.env._("Products are kept in 1C: mark the item for deletion in 1C, the CRM will archive it.")
            )


class ProductProduct(models.Model):
    _inherit = "product.product"

    medcrm_1c_characteristic = fields.Char(
        string="1C characteristic",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Reference of the 1C offer this variant mirrors: '<item>#<characteristic>'.",
    )
    medcrm_1c_stock_qty = fields.Float(
        string="Stock in 1C (variant)",
        readonly=True,
        digits="Product Unit of Measure",
        help="Balance of this characteristic over the warehouses of 1C at the last exchange.",
    )
