from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import OnecCase

ORDERS = "Document_ЗаказКлиента"


class OrderCase(OnecCase):
    """Counterparties and products mirrored from the emulator, and a helper making a need → deal → order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # orders go through the emulator's connection only (a demo database has its own one)
        (cls.env["medcrm.1c.connection"].search([]) - cls.connection).export_orders = False
        cls.connection._medcrm_1c_sync_partners()
        cls.connection._medcrm_1c_sync_products(full=True)
        cls.client = cls.env["res.partner"].search(
            [("medcrm_1c_guid", "!=", False), ("parent_id", "=", False), ("is_company", "=", True)],
            order="id",
            limit=1,
        )
        cls.goods = (
            cls.env["product.template"]
            .search([("medcrm_1c_guid", "!=", False), ("sale_ok", "=", True)], order="id", limit=2)
            .product_variant_id
        )

    def _order(self, partner=None, products=None, user=None):
        """A need of the manager, turned into a deal with its quotation (the need number on it)."""
        user = user or self.user_manager
        today = fields.Date.today()
        need = (
            self.env["medcrm.need"]
            .with_user(user)
            .create(
                {
                    "partner_id": (partner or self.client).id,
                    "user_id": user.id,
                    "source_id": self.env.ref("medcrm_leads.utm_source_inbound_call").id,
                    "date_from": today,
                    "date_to": today + relativedelta(months=2),
                    "line_ids": [
                        Command.create({"product_id": product.id, "product_uom_qty": 3 + index})
                        for index, product in enumerate(products or self.goods)
                    ],
                }
            )
        )
        need.with_user(user).action_create_deal()
        deal = need.with_context(active_test=False).deal_id
        order = deal.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.medcrm_need_number, need.name)
        return deal, order

    def _confirmed(self, **kwargs):
        deal, order = self._order(**kwargs)
        order.with_user(self.user_manager).action_confirm()
        return deal, order

    def onec_orders(self, **filters):
        flt = " and ".join(f"{key} eq '{value}'" for key, value in filters.items()) or None
        params = {"$filter": flt} if flt else {}
        return self.odata(ORDERS, **params)["value"]

    def push(self, orders=None, **context):
        return self.connection.with_context(**context)._medcrm_1c_push_orders(orders)

    def read_status(self, **context):
        return self.connection.with_context(**context)._medcrm_1c_read_order_status()


@tagged("post_install", "-at_install")
class TestOrderPush(OrderCase):
    def test_confirmation_queues_the_order_without_calling_1c(self):
        _deal, order = self._order()
        requests_before = self.emu("stats", method="GET")["requests"]
        order.with_user(self.user_manager).action_confirm()
        # the only request since is this reading of the statistics
        self.assertEqual(self.emu("stats", method="GET")["requests"], requests_before + 1, "no call from the confirm")
        self.assertEqual(order.medcrm_1c_push_state, "queued")
        self.assertEqual(order.medcrm_1c_connection_id, self.connection)
        cron = self.env.ref("medcrm_1c_bridge.ir_cron_medcrm_1c_orders")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the sending job is woken")

    def test_push_carries_the_need_number_into_1c(self):
        _deal, order = self._confirmed()
        self.env["medcrm.1c.connection"]._cron_push_orders()
        self.assertEqual(order.medcrm_1c_push_state, "sent", order.medcrm_1c_error)
        doc = self.odata(f"{ORDERS}(guid'{order.medcrm_1c_guid}')")
        self.assertEqual(doc["НомерПоДаннымКлиента"], order.medcrm_need_number)
        self.assertEqual(doc["Контрагент_Key"], self.client.medcrm_1c_guid)
        self.assertEqual(doc["Number"], order.medcrm_1c_number)
        lines = sorted((row["Номенклатура_Key"], row["Количество"], row["Цена"]) for row in doc["Товары"])
        expected = sorted(
            (line.product_id.medcrm_1c_guid, line.product_uom_qty, round(line.price_subtotal / line.product_uom_qty, 2))
            for line in order.order_line
        )
        self.assertEqual(lines, expected)
        self.assertAlmostEqual(doc["СуммаДокумента"], order.amount_untaxed, places=2)
        log = self.env["medcrm.1c.sync.log"].search(
            [("connection_id", "=", self.connection.id), ("entity", "=", "orders")], limit=1
        )
        self.assertEqual((log.state, log.count_read, log.count_created), ("done", 1, 1), log.message)

    def test_pushing_twice_never_makes_two_orders_in_1c(self):
        _deal, order = self._confirmed()
        self.push()
        ref, number = order.medcrm_1c_guid, order.medcrm_1c_number
        # the button on an order already in 1C sends nothing
        requests_before = self.emu("stats", method="GET")["requests"]
        order.with_user(self.user_manager).action_medcrm_1c_push()
        self.assertEqual(self.emu("stats", method="GET")["requests"], requests_before + 1)
        # the CRM lost what 1C answered (a crash before the commit): the order is sent again
        order.sudo().write({"medcrm_1c_guid": False, "medcrm_1c_number": False, "medcrm_1c_push_state": "queued"})
        log = self.push()
        self.assertEqual((log.state, log.count_created, log.count_unchanged), ("done", 0, 1), log.message)
        self.assertEqual((order.medcrm_1c_guid, order.medcrm_1c_number), (ref, number))
        self.assertEqual(len(self.onec_orders(НомерПоДаннымКлиента=order.medcrm_need_number)), 1)

    def test_send_now_button(self):
        _deal, order = self._confirmed()
        action = order.with_user(self.user_manager).action_medcrm_1c_push()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(order.medcrm_1c_push_state, "sent")
        self.assertEqual(len(self.onec_orders(НомерПоДаннымКлиента=order.medcrm_need_number)), 1)

    def test_new_counterparty_goes_to_1c_before_its_order(self):
        partner = self.env["res.partner"].create(
            {
                "name": "ООО «Новая клиника»",
                "is_company": True,
                "country_id": self.env.ref("base.ru").id,
                "vat": "7736207543",
                "medcrm_kpp": "773601001",
                "medcrm_export_to_1c": True,
            }
        )
        _deal, order = self._confirmed(partner=partner)
        # the manager presses the button: the bridge writes the 1C reference he may not write himself
        action = order.with_user(self.user_manager).action_medcrm_1c_push()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertTrue(partner.medcrm_1c_guid)
        self.assertFalse(partner.medcrm_export_to_1c)
        self.assertEqual(self.odata(f"Catalog_Контрагенты(guid'{partner.medcrm_1c_guid}')")["ИНН"], "7736207543")
        doc = self.odata(f"{ORDERS}(guid'{order.medcrm_1c_guid}')")
        self.assertEqual(doc["Контрагент_Key"], partner.medcrm_1c_guid)

    def test_refusals_are_clear_and_in_russian(self):
        stranger = self.env["res.partner"].create({"name": "ООО «Без ИНН»", "is_company": True})
        _deal, order = self._confirmed(partner=stranger)
        own = self.env["product.product"].create({"name": "Товар не из 1С", "sale_ok": True, "type": "consu"})
        _deal2, order2 = self._order()
        order2.write({"order_line": [Command.create({"product_id": own.id, "product_uom_qty": 1})]})
        order2.with_user(self.user_manager).action_confirm()
        count_before = len(self.onec_orders())
        log = self.push(lang="ru_RU")
        self.assertEqual((log.state, log.count_errors), ("partial", 2), log.message)
        self.assertEqual(len(self.onec_orders()), count_before, "nothing half-made in 1C")
        self.assertEqual((order.medcrm_1c_push_state, order2.medcrm_1c_push_state), ("error", "error"))
        self.assertIn("ИНН", order.medcrm_1c_error)
        self.assertIn("Товар не из 1С", order2.medcrm_1c_error)
        self.assertIn("1С", order2.medcrm_1c_error)
        messages = " ".join(log.line_ids.mapped("message"))
        self.assertIn(order.name, messages)
        self.assertIn(order2.name, messages)
        self.assertNotIn("cannot", messages)
        # a refused order is not retried by the job until someone fixes it and presses the button
        self.assertFalse(self.push().count_read)


@tagged("post_install", "-at_install")
class TestOrderFaults(OrderCase):
    """Each fault during a push or a status read ends like a clean run: one order in 1C, no status lost."""

    def assert_pushed_once(self, kind, count=1):
        _deal, order = self._confirmed()
        before = len(self.onec_orders())
        self.fault(kind, count, scope=ORDERS, hang_seconds=11)
        log = self.push()
        self.assertEqual(log.state, "done", f"{kind}: {log.message}")
        self.assertEqual(order.medcrm_1c_push_state, "sent", kind)
        self.assertEqual(self.emu("faults", method="GET")["injected"][kind], count)
        self.assertEqual(len(self.onec_orders()), before + 1, f"{kind}: exactly one order in 1C")
        self.assertEqual(
            self.onec_orders(НомерПоДаннымКлиента=order.medcrm_need_number)[0]["Ref_Key"], order.medcrm_1c_guid
        )

    def test_answer_lost_after_1c_made_the_order(self):
        self.assert_pushed_once("drop")

    def test_truncated_answer(self):
        self.assert_pushed_once("truncate")

    def test_server_errors(self):
        self.assert_pushed_once("error500", 2)

    def test_mangled_answer(self):
        self.assert_pushed_once("bad_guid")

    def test_timeout(self):
        self.assert_pushed_once("timeout")

    def test_1c_down_keeps_the_order_queued(self):
        _deal, order = self._confirmed()
        self.fault("error503", 50)
        self.emu("faults", merge=True, retry_after=0)
        log = self.push()
        self.assertEqual(log.state, "failed")
        self.assertIn("503", log.message)
        self.assertEqual(order.medcrm_1c_push_state, "queued", "sent at the next run")
        self.emu("faults", method="DELETE")
        self.assertEqual(self.push().state, "done")
        self.assertEqual(order.medcrm_1c_push_state, "sent")
        self.assertEqual(len(self.onec_orders(НомерПоДаннымКлиента=order.medcrm_need_number)), 1)

    def test_faults_while_reading_the_status(self):
        deal, order = self._confirmed()
        self.push()
        self.emu(f"orders/{order.medcrm_1c_guid}/pay")
        for kind in ("truncate", "drop", "bad_guid", "error500"):
            self.fault(kind, 1, scope="СостоянияЗаказов")
            log = self.read_status()
            self.assertEqual(log.state, "done", f"{kind}: {log.message}")
        self.assertTrue(order.medcrm_paid_date)
        self.assertEqual(deal.stage_id.medcrm_code, "provisioning")
        self.assertEqual(len(order.message_ids.filtered(lambda m: "1C" in (m.body or ""))), 2, "sent + paid, once")


@tagged("post_install", "-at_install")
class TestOrderStatus(OrderCase):
    def test_payment_and_shipment_in_1c_move_the_deal(self):
        deal, order = self._confirmed()
        self.push()
        log = self.read_status()
        self.assertEqual((log.state, log.count_read, log.count_updated), ("done", 1, 1), log.message)
        self.assertFalse(order.medcrm_paid_date)
        self.assertEqual(order.medcrm_1c_status, "Ожидается оплата")

        self.emu(f"orders/{order.medcrm_1c_guid}/pay", date="2026-03-02T10:15:00")
        self.env["medcrm.1c.connection"]._cron_read_order_status()
        self.assertEqual(order.medcrm_paid_date.date(), fields.Date.to_date("2026-03-02"))
        self.assertEqual(deal.stage_id.medcrm_code, "provisioning")
        self.assertFalse(order.medcrm_shipped_date)

        self.emu(f"orders/{order.medcrm_1c_guid}/ship")
        self.read_status()
        self.assertTrue(order.medcrm_shipped_date)
        self.assertEqual(deal.stage_id.medcrm_code, "shipment")
        # both facts known: the order is no longer asked about
        self.assertEqual(self.read_status().count_read, 0)

    def test_unknown_order_in_1c_is_a_record_error(self):
        _deal, order = self._confirmed()
        self.push()
        order.sudo().medcrm_1c_guid = "00000000-0000-0000-0000-0000000000aa"
        log = self.read_status()
        self.assertEqual((log.state, log.count_errors), ("partial", 1), log.message)
        self.assertFalse(order.medcrm_paid_date)


@tagged("post_install", "-at_install")
class TestOrdersOverSoap(OrderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.connection.transport = "soap"

    def test_push_idempotent_and_status_back(self):
        deal, order = self._confirmed()
        self.fault("drop", 1, scope="/ws/")
        log = self.push()
        self.assertEqual(log.state, "done", log.message)
        doc = self.odata(f"{ORDERS}(guid'{order.medcrm_1c_guid}')")
        self.assertEqual(doc["НомерПоДаннымКлиента"], order.medcrm_need_number)
        order.sudo().write({"medcrm_1c_guid": False, "medcrm_1c_push_state": "queued"})
        self.assertEqual(self.push().count_unchanged, 1)
        self.assertEqual(len(self.onec_orders(НомерПоДаннымКлиента=order.medcrm_need_number)), 1)

        self.emu(f"orders/{order.medcrm_1c_guid}/pay")
        self.emu(f"orders/{order.medcrm_1c_guid}/ship")
        self.fault("error500", 1, scope="/ws/")
        log = self.read_status()
        self.assertEqual(log.state, "done", log.message)
        self.assertTrue(order.medcrm_paid_date and order.medcrm_shipped_date)
        self.assertEqual(deal.stage_id.medcrm_code, "shipment")


@tagged("post_install", "-at_install")
class TestOrdersOverCommerceML(OrderCase):
    def test_commerceml_says_it_cannot(self):
        _deal, order = self._confirmed()
        self.connection.transport = "commerceml"
        log = self.push(lang="ru_RU")
        self.assertEqual(log.state, "failed")
        self.assertIn("CommerceML", log.message)
        self.assertIn("заказ", log.message)
        self.assertEqual(order.medcrm_1c_push_state, "queued")
