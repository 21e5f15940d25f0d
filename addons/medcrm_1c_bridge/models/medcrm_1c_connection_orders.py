import pytz
from psycopg2 import errors as pg_errors

from odoo import api, fields, models

from ..exchange import ExchangeError


class MedcrmOnecConnection(models.Model):
    """Orders (CRM → 1C) and their payment and shipment status (1C → CRM)."""

    _inherit = "medcrm.1c.connection"

    export_orders = fields.Boolean(
        string="Send confirmed orders",
        default=True,
        help="Confirmed quotations go to 1C as customer orders carrying the need number; their payment and "
        "shipment are read back and move the deals.",
    )
    order_state_set = fields.Char(
        string="Order states register",
        default="InformationRegister_СостоянияЗаказовКлиентов",
        help="Information register giving the payment and shipment state of the customer orders (OData).",
    )

    @api.model
    def _medcrm_1c_order_connection(self):
        """The connection confirmed orders go through (the first active one sending orders)."""
        return self.sudo().search([("active", "=", True), ("export_orders", "=", True)], limit=1)

    def _medcrm_1c_tz(self):
        """Time zone of the 1C base: 1C keeps local times (the company's zone; Moscow by default)."""
        name = self.env.company.partner_id.tz or self.env.user.tz or "Europe/Moscow"
        return pytz.timezone(name)

    def _medcrm_1c_to_utc(self, value):
        """A 1C local date-time as Odoo stores it (UTC, naive); None stays None."""
        if not value:
            return None
        return self._medcrm_1c_tz().localize(value).astimezone(pytz.utc).replace(tzinfo=None)

    def _medcrm_1c_from_utc(self, value):
        return pytz.utc.localize(value).astimezone(self._medcrm_1c_tz()).replace(tzinfo=None)

    # --- buttons and scheduled jobs ------------------------------------------------------------------------------
    def action_push_orders(self):
        for connection in self:
            connection._medcrm_1c_push_orders()
        return self.action_view_logs()

    def action_read_order_status(self):
        for connection in self:
            connection._medcrm_1c_read_order_status()
        return self.action_view_logs()

    @api.model
    def _cron_push_orders(self):
        """Soon after a confirmation (triggered) and every few minutes: the queued orders go to 1C."""
        for connection in self.search([("export_orders", "=", True)]):
            connection._medcrm_1c_push_orders()
            self._medcrm_1c_commit()

    @api.model
    def _cron_read_order_status(self):
        for connection in self.search([("export_orders", "=", True)]):
            connection._medcrm_1c_read_order_status()
            self._medcrm_1c_commit()

    # --- CRM → 1C -------------------------------------------------------------------------------------------------
    def _medcrm_1c_push_orders(self, orders=None):
        """Send ``orders`` (default: the queued ones) to 1C; each gets the 1C reference and number back.

        Idempotent: an order already in 1C is not sent again, and the reference 1C stores is fixed by the CRM
        beforehand, so a push repeated after a lost answer finds the order instead of making a second one.
        1C unreachable or down: the run fails, the orders stay queued for the next run. An order 1C or the CRM
        refuses (product or counterparty not in 1C...): the order is marked «Not sent» with the reason.
        """
        self.ensure_one()
        order_model = self.env["sale.order"].sudo()

        def work(transport, log):
            todo = (
                orders.sudo()
                if orders is not None
                else order_model.search(
                    [("medcrm_1c_connection_id", "=", self.id), ("medcrm_1c_push_state", "=", "queued")], order="id"
                )
            )
            todo = todo.filtered(lambda order: order.state == "sale" and order.medcrm_1c_push_state != "sent")
            counts = {"count_read": len(todo), "count_created": 0, "count_unchanged": 0}
            for order in todo:
                if not self._medcrm_1c_claim_order(order):
                    continue  # another worker or server is sending it, or has sent it
                state = self._medcrm_1c_push_order(transport, log, order)
                if state in ("created", "unchanged"):
                    counts[f"count_{state}"] += 1
                self._medcrm_1c_commit()
            log.write(counts)

        return self._medcrm_1c_run("out", "orders", "incremental", work)

    def _medcrm_1c_claim_order(self, order):
        """Lock ``order`` for this push until the transaction ends; False when another push has it.

        Two pushes (cron on two servers, the "Send now" button) may pick the same queued order. The row lock
        makes one of them skip it while the other is sending; a push whose snapshot predates the other's
        commit gets a serialization error on the lock, i.e. the order was just sent: it skips it too.
        """
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT medcrm_1c_push_state FROM sale_order WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                    (order.id,),
                )
                row = self.env.cr.fetchone()
        except (pg_errors.SerializationFailure, pg_errors.LockNotAvailable):
            return False
        return bool(row) and row[0] != "sent"

    def _medcrm_1c_push_order(self, transport, log, order):
        """Push one order: 'created', 'unchanged' (1C had it), or None (refused: the order says why)."""
        partner = order.partner_id.commercial_partner_id
        order.write({"medcrm_1c_connection_id": self.id})
        _lines, missing = order._medcrm_1c_lines()
        problem = None
        if missing:
            problem = self.env._(
                "Products not mirrored from 1C cannot go to 1C: %(products)s.", products=", ".join(missing)
            )
        elif not _lines:
            problem = self.env._("The order has no product lines.")
        guid = partner.medcrm_1c_guid
        if not problem and not guid:
            # A counterparty made in the CRM goes to 1C first, the order after it.
            guid, problem = self._medcrm_1c_export_partner(transport, log, partner, log_errors=False)
        if problem:
            self._medcrm_1c_order_failed(log, order, problem)
            return None
        values = order._medcrm_1c_order_values(guid, self._medcrm_1c_from_utc(order.date_order))
        try:
            result = transport.push_order(values)
        except ExchangeError as err:
            if err.retryable or err.code in ("not_supported", "auth"):
                raise  # 1C is down or refuses us: the run fails, the order stays queued
            self._medcrm_1c_order_failed(log, order, self._medcrm_1c_error_message(err), values)
            return None
        order.write(
            {
                "medcrm_1c_guid": result["guid"],
                "medcrm_1c_number": result.get("number") or False,
                "medcrm_1c_push_state": "sent",
                "medcrm_1c_error": False,
            }
        )
        order._message_log(
            body=self.env._(
                "Sent to 1C: customer order № %(number)s with the need number %(need)s.",
                number=result.get("number") or result["guid"],
                need=values["need_number"],
            )
        )
        return "created" if result.get("created", True) else "unchanged"

    def _medcrm_1c_order_failed(self, log, order, message, payload=None):
        order.write({"medcrm_1c_push_state": "error", "medcrm_1c_error": message})
        log._medcrm_1c_add_error(
            self.env._("Order %(order)s: %(error)s", order=order.name, error=message),
            payload=payload if payload is not None else {"order": order.name, "partner": order.partner_id.display_name},
        )

    # --- 1C → CRM: payment and shipment -------------------------------------------------------------------------
    def _medcrm_1c_read_order_status(self, orders=None):
        """Read the state of the orders in 1C; payment and shipment become events of the deals."""
        self.ensure_one()
        order_model = self.env["sale.order"].sudo()

        def work(transport, log):
            todo = orders.sudo() if orders is not None else order_model._medcrm_1c_orders_to_follow(self)
            todo = todo.filtered("medcrm_1c_guid")
            statuses = transport.order_statuses(todo.mapped("medcrm_1c_guid")) if todo else {}
            counts = {"count_read": len(todo), "count_updated": 0, "count_unchanged": 0}
            for order in todo:
                status = statuses.get(order.medcrm_1c_guid)
                if status is None:
                    log._medcrm_1c_add_error(
                        self.env._("Order %(order)s: 1C gave no state for it.", order=order.name), order.medcrm_1c_guid
                    )
                    continue
                if status.get("error"):
                    error = status["error"]
                    if isinstance(error, ExchangeError):
                        error = self._medcrm_1c_error_message(error)
                    log._medcrm_1c_add_error(
                        self.env._("Order %(order)s: %(error)s", order=order.name, error=error),
                        order.medcrm_1c_guid,
                        status.get("payload"),
                    )
                    continue
                try:
                    with self.env.cr.savepoint():
                        changed = self._medcrm_1c_apply_order_status(order, status)
                except Exception as err:  # noqa: BLE001 - one order must not stop the others
                    log._medcrm_1c_add_error(
                        self.env._("Order %(order)s: %(error)s", order=order.name, error=err),
                        order.medcrm_1c_guid,
                        status,
                    )
                    continue
                counts["count_updated" if changed else "count_unchanged"] += 1
                self._medcrm_1c_commit()
            log.write(counts)

        return self._medcrm_1c_run("in", "order_status", "incremental", work)

    def _medcrm_1c_apply_order_status(self, order, status):
        """Record 1C's facts on the order (each once): True when something new was learnt."""
        changed = False
        text = status.get("status") or status.get("state") or False
        if text != order.medcrm_1c_status:
            changed = True
        order.write({"medcrm_1c_status": text, "medcrm_1c_status_date": fields.Datetime.now()})
        number = order.medcrm_1c_number or order.medcrm_1c_guid
        for event, field, date_key in (
            ("paid", "medcrm_paid_date", "paid_date"),
            ("shipped", "medcrm_shipped_date", "shipped_date"),
        ):
            if status.get(event) and not order[field]:
                order.medcrm_register_accounting_event(
                    event,
                    date=self._medcrm_1c_to_utc(status.get(date_key)),
                    note=self.env._("1C, customer order № %(number)s: %(status)s", number=number, status=text or ""),
                )
                changed = True
        return changed
