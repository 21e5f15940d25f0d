from odoo import api, fields, models
from odoo.exceptions import AccessError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # State register of medical devices (государственный реестр медицинских изделий).
    medcrm_registry_code = fields.Char(
        string="Registration certificate",
        index="btree_not_null",
        help="Number of the registration certificate (РУ) in the Russian state register of medical devices, "
        "e.g. РЗН 2019/8123 or ФСЗ 2010/07540.",
    )
    medcrm_registry_date = fields.Date(string="Certificate issued on")
    medcrm_registry_valid_until = fields.Date(
        string="Certificate valid until", help="Empty when the certificate has no end date (unlimited)."
    )
    medcrm_registry_expired = fields.Boolean(string="Certificate expired", compute="_compute_medcrm_registry_expired")
    medcrm_manufacturer_id = fields.Many2one("medcrm.manufacturer", string="Manufacturer", index=True)
    medcrm_own_production = fields.Boolean(
        string="Own production", help="Made by our own production; otherwise bought from its manufacturer."
    )
    medcrm_analogue_group_id = fields.Many2one(
        "medcrm.analogue.group",
        string="Analogue group",
        index=True,
        help="Interchangeable products: the need duplicate check treats them as the same product.",
    )

    @api.depends("medcrm_registry_valid_until")
    def _compute_medcrm_registry_expired(self):
        today = fields.Date.context_today(self)
        for product in self:
            valid_until = product.medcrm_registry_valid_until
            product.medcrm_registry_expired = bool(valid_until and valid_until < today)

    # ------------------------------------------------------------------------------------------
    # The catalogue is mastered in 1C: only the bridge (superuser or a catalogue editor) and admins edit it
    # ------------------------------------------------------------------------------------------

    @api.model
    def _medcrm_check_catalogue_edit(self):
        if self.env.su or self.env.user.has_groups("base.group_system,medcrm_needs.group_medcrm_catalogue_editor"):
            return
        raise AccessError(
            self.env._(
                "Products are kept in 1C and mirrored here: they cannot be created or changed in the CRM. "
                "Ask the administrator or change the product in 1C."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._medcrm_check_catalogue_edit()
        return super().create(vals_list)

    def write(self, vals):
        self._medcrm_check_catalogue_edit()
        return super().write(vals)

    def unlink(self):
        self._medcrm_check_catalogue_edit()
        return super().unlink()
