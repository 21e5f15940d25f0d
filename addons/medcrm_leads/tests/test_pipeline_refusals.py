from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import PipelineCase


@tagged("post_install", "-at_install")
class TestPipelineRefusals(PipelineCase):
    """A deal moves only where its documents allow; closing waits for the goods and the buyer's documents."""

    def test_hand_move_to_a_stage_without_its_documents_is_refused_in_russian(self):
        deal, _order = self._need_and_deal()
        with self.assertRaisesMessage(UserError, r"не может перейти на этап «Документы отправлены»") as capture:
            deal.write({"stage_id": self.stage["documents"].id})
        message = str(capture.exception)
        self.assertIn("отправьте клиенту коммерческое предложение (КП)", message)
        self.assertIn("подтвердите заказ клиента", message)
        self.assertEqual(deal.stage_id, self.stage["need"], "the deal did not move")
        self.assertEqual(len(deal.medcrm_stage_history_ids), 1, "no history row for a refused move")
        # negotiation needs the КП sent; waiting for payment needs the order confirmed
        with self.assertRaisesMessage(UserError, r"«Согласование»"):
            deal.write({"stage_id": self.stage["negotiation"].id})
        with self.assertRaisesMessage(UserError, r"«Ожидание оплаты»"):
            deal.write({"stage_id": self.stage["payment"].id})

    def test_hand_moves_allowed_once_the_documents_allow_them_and_backwards(self):
        deal, order = self._need_and_deal()
        order.with_user(self.user_manager).action_quotation_sent()
        self.assertEqual(deal.stage_id, self.stage["offer"])
        deal.write({"stage_id": self.stage["negotiation"].id})
        self.assertEqual(deal.stage_id, self.stage["negotiation"])
        # back to the need is always possible (the client changed his mind about the products)
        deal.write({"stage_id": self.stage["need"].id})
        self.assertEqual(deal.stage_id, self.stage["need"])
        order.with_user(self.user_manager).action_confirm()
        self.assertEqual(deal.stage_id, self.stage["documents"], "the documents move the deal forward")
        deal.write({"stage_id": self.stage["payment"].id})
        self.assertEqual(deal.stage_id, self.stage["payment"])
        with self.assertRaisesMessage(UserError, r"счёт должен быть оплачен полностью"):
            deal.write({"stage_id": self.stage["provisioning"].id})

    def test_closing_refused_until_delivered_and_documents_received(self):
        deal, order = self._need_and_deal(lines=[(self.product_own, 10)])
        order.with_user(self.user_manager).action_confirm()
        order.with_user(self.user_accountant).medcrm_register_accounting_event("paid")
        self.assertEqual(deal.stage_id, self.stage["shipment"], "own goods reserved from stock: ready at once")

        with self.assertRaisesMessage(UserError, r"не может перейти на этап «Закрыта»") as capture:
            deal.action_set_won()
        self.assertIn("документы, подписанные покупателем", str(capture.exception))
        self.assertIn("все товары должны быть доставлены покупателю", str(capture.exception))
        self.assertEqual(deal.stage_id, self.stage["shipment"])
        self.assertFalse(deal.medcrm_quality_answer_id, "no survey for a deal that is not closed")

        # the documents are back, the goods are not yet delivered: still refused
        deal._medcrm_record_buyer_documents(self._scan())
        with self.assertRaisesMessage(UserError, r"все товары должны быть доставлены покупателю") as capture:
            deal.action_set_won()
        self.assertNotIn("подписанные покупателем", str(capture.exception))

        self._validate(order.picking_ids)
        self.assertTrue(order.medcrm_shipped_date)
        deal.action_set_won()
        self.assertEqual(deal.stage_id, self.stage["closed"])
        self.assertTrue(deal.medcrm_quality_answer_id)

    def test_buyer_documents_need_a_scan(self):
        deal, _order = self._need_and_deal()
        with self.assertRaisesMessage(UserError, r"Приложите скан"):
            deal._medcrm_record_buyer_documents(self.env["ir.attachment"])
        self.assertFalse(deal.medcrm_documents_received)

    def test_buyer_documents_before_shipment_keep_the_deal_in_its_stage(self):
        deal, order = self._need_and_deal()
        order.with_user(self.user_manager).action_quotation_sent()
        deal._medcrm_record_buyer_documents(self._scan())
        self.assertTrue(deal.medcrm_documents_received)
        self.assertEqual(deal.stage_id, self.stage["offer"], "documents alone do not skip the shipment")


@tagged("post_install", "-at_install")
class TestAccountingEvents(PipelineCase):
    """``sale.order.medcrm_register_accounting_event``: 1C reports payment and shipment; the deal moves as it
    does with Odoo's own invoices and deliveries, and a repeated report changes nothing."""

    def setUp(self):
        super().setUp()
        self.deal, self.order = self._need_and_deal()
        self.order.with_user(self.user_manager).action_confirm()
        self.assertEqual(self.deal.stage_id, self.stage["documents"])

    def _purchases(self):
        return self.env["purchase.order"].search([("order_line.product_id", "=", self.product_other.id)])

    def test_paid_moves_to_provisioning_and_buys_third_party_goods_once(self):
        self.order.with_user(self.user_accountant).medcrm_register_accounting_event(
            "paid", date="2026-03-02 10:15:00", note="п/п № 512"
        )
        self.assertEqual(str(self.order.medcrm_paid_date), "2026-03-02 10:15:00")
        self.assertEqual(self.deal.stage_id, self.stage["provisioning"])
        purchase = self._purchases()
        self.assertEqual(len(purchase), 1)
        self.assertEqual(purchase.partner_id, self.vendor)
        self.assertEqual(purchase.order_line.product_qty, 2)
        history_count = len(self.deal.medcrm_stage_history_ids)
        messages = self.order.message_ids

        # 1C sends the same fact again (retry): nothing changes
        self.order.with_user(self.user_accountant).medcrm_register_accounting_event("paid", date="2026-03-05")
        self.assertEqual(str(self.order.medcrm_paid_date), "2026-03-02 10:15:00", "the first date is kept")
        self.assertEqual(self._purchases(), purchase, "no second purchase order")
        self.assertEqual(purchase.order_line.product_qty, 2)
        self.assertEqual(self.deal.stage_id, self.stage["provisioning"])
        self.assertEqual(len(self.deal.medcrm_stage_history_ids), history_count)
        self.assertEqual(self.order.message_ids, messages, "no second chatter entry")

    def test_shipped_moves_to_shipment_and_allows_closing(self):
        self.order.with_user(self.user_accountant).medcrm_register_accounting_event("paid", date="2026-03-19")
        self.order.with_user(self.user_accountant).medcrm_register_accounting_event("shipped", date="2026-03-20")
        self.assertEqual(str(self.order.medcrm_shipped_date), "2026-03-20 00:00:00")
        self.assertEqual(self.deal.stage_id, self.stage["shipment"])
        self.order.with_user(self.user_accountant).medcrm_register_accounting_event("shipped", date="2026-03-21")
        self.assertEqual(str(self.order.medcrm_shipped_date), "2026-03-20 00:00:00")
        self.assertEqual(self.deal.stage_id, self.stage["shipment"])
        self.deal._medcrm_record_buyer_documents(self._scan())
        self.assertEqual(self.deal.stage_id, self.stage["buyer_documents"])
        self.deal.action_set_won()
        self.assertEqual(self.deal.stage_id, self.stage["closed"], "1C's shipment counts as delivery")

    def test_same_result_as_the_odoo_invoice_paid(self):
        """Paid through Odoo's invoice: the same stage, the same purchase order, and 1C's report after it is
        a no-op."""
        action = self.order.with_user(self.user_manager).action_medcrm_send_documents()
        Form(self.env[action["res_model"]].with_user(self.user_manager).with_context(**action["context"])).save()
        self._pay(self.order)
        self.assertEqual(self.deal.stage_id, self.stage["provisioning"])
        paid_date = self.order.medcrm_paid_date
        purchase = self._purchases()
        self.assertEqual(len(purchase), 1)
        self.order.with_user(self.user_accountant).medcrm_register_accounting_event("paid")
        self.assertEqual(self.order.medcrm_paid_date, paid_date)
        self.assertEqual(self._purchases(), purchase)

    def test_wrong_event_or_order_refused(self):
        with self.assertRaisesMessage(UserError, r"«refunded»"):
            self.order.with_user(self.user_accountant).medcrm_register_accounting_event("refunded")
        quotation = self._need_and_deal()[1]
        with self.assertRaisesMessage(UserError, r"подтверждённые заказы"):
            quotation.with_user(self.user_accountant).medcrm_register_accounting_event("paid")
        with self.assertRaisesMessage(UserError, r"2026-13-40"):
            self.order.with_user(self.user_accountant).medcrm_register_accounting_event("paid", date="2026-13-40")
        self.assertFalse(self.order.medcrm_paid_date)


@tagged("post_install", "-at_install")
class TestOfferLines(PipelineCase):
    """КП lines, as need lines: catalogue products only, notes and sections allowed."""

    def setUp(self):
        super().setUp()
        self.deal, self.order = self._need_and_deal()
        self.order = self.order.with_user(self.user_manager)

    def test_product_description_cannot_be_typed(self):
        line = self.order.order_line[0]
        with self.assertRaisesMessage(ValidationError, r"берётся из каталога"):
            line.write({"name": "Бинт, но подешевле"})
        with self.assertRaisesMessage(ValidationError, r"берётся из каталога"):
            self.order.write(
                {"order_line": [Command.create({"product_id": self.product_own.id, "name": "Любой текст"})]}
            )

    def test_line_without_catalogue_product_refused(self):
        with self.assertRaisesMessage(ValidationError, r"выберите товар из каталога"):
            self.order.write({"order_line": [Command.create({"name": "Перчатки нитриловые", "product_uom_qty": 1})]})
        self.assertEqual(len(self.order.order_line), 2)

    def test_manager_cannot_create_a_product_from_a_line(self):
        with self.assertRaises(AccessError):
            self.env["product.product"].with_user(self.user_manager).create({"name": "Новый товар"})

    def test_notes_and_sections_allowed(self):
        self.order.write(
            {
                "order_line": [
                    Command.create({"display_type": "line_section", "name": "Перевязочные материалы"}),
                    Command.create({"display_type": "line_note", "name": "Доставка до склада больницы"}),
                    Command.create({"product_id": self.product_other.id, "product_uom_qty": 1}),
                ]
            }
        )
        self.assertEqual(len(self.order.order_line), 5)
        self.assertIn("Доставка до склада больницы", self.order.order_line.mapped("name"))
