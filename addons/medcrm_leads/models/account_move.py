from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """An invoice paid in Odoo: its orders paid in full move their deals to provisioning."""
        result = super()._invoice_paid_hook()
        orders = self.filtered(lambda move: move.is_invoice()).invoice_line_ids.sale_line_ids.order_id
        if orders:
            orders._medcrm_update_paid_from_invoices()
        return result
