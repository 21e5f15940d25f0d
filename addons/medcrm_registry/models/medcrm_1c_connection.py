from odoo import models


class Medcrm1cConnection(models.Model):
    _inherit = "medcrm.1c.connection"

    def _medcrm_1c_sync_products(self, full=False):
        """The bridge writes the РУ numbers of 1C (its field mapping) by bulk SQL: check them right after."""
        log = super()._medcrm_1c_sync_products(full=full)
        self.env["product.template"]._medcrm_registry_match()
        return log
