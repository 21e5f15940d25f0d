import uuid

from odoo import api, fields, models
from odoo.exceptions import UserError

# Namespace of the 1C references the CRM gives its orders (uuid5 of the database and the order id): the same
# order always gets the same reference, so a push repeated after a lost answer finds the order 1C already made.
ORDER_REF_NAMESPACE = uuid.UUID("6f1c3a52-2d1e-4c8e-9a0b-3e5d7c1f0a11")


class SaleOrder(models.Model):
    """Confirmed orders go to 1C as customer orders (ЗаказКлиента) with the need number; 1C's payment and
    shipment facts come back and move the deal (``medcrm_register_accounting_event``)."""

    _inherit = "sale.order"

    medcrm_1c_connection_id = fields.Many2one(
        "medcrm.1c.connection", string="1C connection", readonly=True, copy=False, index="btree_not_null"
    )
    medcrm_1c_push_state = fields.Selection(
        [("queued", "Waiting to be sent"), ("sent", "In 1C"), ("error", "Not sent")],
        string="Sending to 1C",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Waiting to be sent: the order goes to 1C at the next exchange (a few minutes after confirmation). "
        "Not sent: 1C or the CRM refused it; the reason is below and in the exchange log.",
    )
    medcrm_1c_guid = fields.Char(
        string="1C reference", readonly=True, copy=False, index="btree_not_null", help="Ref_Key of the order in 1C."
    )
    medcrm_1c_number = fields.Char(string="Number in 1C", readonly=True, copy=False)
    medcrm_1c_error = fields.Text(string="1C error", readonly=True, copy=False)
    medcrm_1c_status = fields.Char(
        string="Status in 1C", readonly=True, copy=False, help="Payment and shipment state of the order in 1C."
    )
    medcrm_1c_status_date = fields.Datetime(string="Status read on", readonly=True, copy=False)

    # --- confirmation queues the order; the network is never called from the user's confirm ---------------------
    def _action_confirm(self):
        result = super()._action_confirm()
        self._medcrm_1c_queue()
        return result

    def _medcrm_1c_queue(self):
        """Mark the orders for 1C and wake the sending job up (it runs in its own transaction, after this one)."""
        connection = self.env["medcrm.1c.connection"]._medcrm_1c_order_connection()
        todo = self.filtered(lambda order: not order.medcrm_1c_guid)
        if not connection or not todo:
            return
        todo.sudo().write(
            {"medcrm_1c_push_state": "queued", "medcrm_1c_connection_id": connection.id, "medcrm_1c_error": False}
        )
        cron = self.env.ref("medcrm_1c_bridge.ir_cron_medcrm_1c_orders", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def action_medcrm_1c_push(self):
        """«Send to 1C now»: the orders go at once; the result is shown and logged."""
        self.check_access("write")
        not_confirmed = self.filtered(lambda order: order.state != "sale")
        if not_confirmed:
            raise UserError(
                self.env._(
                    "Only confirmed orders go to 1C; not confirmed: %(orders)s.",
                    orders=", ".join(not_confirmed.mapped("name")),
                )
            )
        todo = self.filtered(lambda order: order.medcrm_1c_push_state != "sent")
        connection = self.env["medcrm.1c.connection"]._medcrm_1c_order_connection()
        if todo and not connection:
            raise UserError(self.env._("No active 1C connection sends orders: ask the administrator."))
        messages = []
        for conn, orders in todo.sudo().grouped(lambda order: order.medcrm_1c_connection_id or connection).items():
            log = conn._medcrm_1c_push_orders(orders)
            if log.message:
                messages.append(log.message)
        self.invalidate_recordset()
        errors = [f"{order.name}: {order.medcrm_1c_error}" for order in self if order.medcrm_1c_push_state == "error"]
        sent = self.filtered(lambda order: order.medcrm_1c_push_state == "sent")
        if messages or errors:
            kind, text = "warning", "\n".join(messages + errors)
        else:
            kind = "success"
            text = self.env._(
                "In 1C: %(orders)s.",
                orders=", ".join(
                    f"{order.name} → № {order.medcrm_1c_number or order.medcrm_1c_guid}" for order in sent
                ),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": kind,
                "message": text,
                "sticky": kind != "success",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # --- what 1C receives ---------------------------------------------------------------------------------------
    def _medcrm_1c_ref(self):
        """The 1C reference of the order: fixed by the database and the order, known before 1C answers."""
        self.ensure_one()
        dbuuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return str(uuid.uuid5(ORDER_REF_NAMESPACE, f"{dbuuid}:sale.order:{self.id}"))

    def _medcrm_1c_lines(self):
        """(lines sent, problems): every product line needs a product mirrored from 1C."""
        self.ensure_one()
        lines, missing = [], []
        for line in self.order_line.filtered(lambda line: not line.display_type and line.product_uom_qty > 0):
            guid = line.product_id.product_tmpl_id.medcrm_1c_guid
            if not guid:
                missing.append(line.product_id.display_name)
                continue
            quantity = line.product_uom._compute_quantity(line.product_uom_qty, line.product_id.uom_id)
            characteristic = (line.product_id.medcrm_1c_characteristic or "").partition("#")[2]
            lines.append(
                {
                    "product": guid,
                    "characteristic": characteristic or None,
                    "quantity": quantity,
                    "price": round(line.price_subtotal / quantity, 2) if quantity else 0.0,
                    "amount": round(line.price_subtotal, 2),
                }
            )
        return lines, missing

    def _medcrm_1c_order_values(self, counterparty_guid, date):
        """The customer order for 1C; ``date``: the order date in 1C's local time."""
        self.ensure_one()
        return {
            "ref": self._medcrm_1c_ref(),
            "need_number": self.medcrm_need_number or self.name,
            "counterparty": counterparty_guid,
            "date": date,
            "comment": self.env._("CRM order %(order)s", order=self.name),
            "lines": self._medcrm_1c_lines()[0],
        }

    @api.model
    def _medcrm_1c_orders_to_follow(self, connection):
        """Orders in 1C whose payment or shipment the CRM still waits for."""
        return self.search(
            [
                ("medcrm_1c_connection_id", "=", connection.id),
                ("medcrm_1c_guid", "!=", False),
                ("state", "=", "sale"),
                "|",
                ("medcrm_paid_date", "=", False),
                ("medcrm_shipped_date", "=", False),
            ],
            order="id",
        )
