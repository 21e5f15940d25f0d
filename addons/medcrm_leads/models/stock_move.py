from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_assign(self, force_qty=False):
        """Goods reserved (own stock) or arrived from the supplier (make-to-order): all ready → shipment."""
        result = super()._action_assign(force_qty=force_qty)
        self._medcrm_sync_orders()
        return result

    def _action_done(self, cancel_backorder=False):
        """Goods delivered: all at the buyer's → the order's shipping date."""
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        (self | moves)._medcrm_sync_orders(delivered=True)
        return moves

    def _medcrm_sync_orders(self, delivered=False):
        orders = self.sale_line_id.order_id.filtered(lambda order: order.state == "sale" and order.opportunity_id)
        if not orders:
            return
        if delivered:
            orders._medcrm_update_shipped_from_deliveries()
        else:
            orders._medcrm_sync_deal_stage()
