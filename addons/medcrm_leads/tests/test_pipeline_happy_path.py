from odoo.tests import Form, tagged

from .common import PipelineCase


@tagged("post_install", "-at_install")
class TestPipelineHappyPath(PipelineCase):
    """Steps 10-19 in one go: the deal follows its documents from the need to the closing survey."""

    def _history(self, deal):
        return deal.medcrm_stage_history_ids.sorted(lambda row: (row.date_in, row.id))

    def test_deal_from_need_to_closing_survey(self):
        manager = self.user_manager
        # 10. the need becomes a deal with its КП: the deal starts at «Выявление потребности»
        deal, order = self._need_and_deal()
        self.assertEqual(deal.stage_id, self.stage["need"])
        self.assertEqual(order.order_line.product_id, self.product_own | self.product_other)
        self.assertEqual(len(deal.medcrm_stage_history_ids), 1)
        self.assertEqual(deal.medcrm_stage_history_ids.user_id, manager)

        # 11. the КП is sent → «Коммерческое предложение»
        order.with_user(manager).action_quotation_sent()
        self.assertEqual(order.state, "sent")
        self.assertEqual(deal.stage_id, self.stage["offer"])

        # 12. negotiation: the manager's decision
        deal.write({"stage_id": self.stage["negotiation"].id})
        self.assertEqual(deal.stage_id, self.stage["negotiation"])

        # 13. the client accepts: order confirmed → «Документы отправлены»; third-party goods wait for payment
        order.with_user(manager).action_confirm()
        self.assertEqual(deal.stage_id, self.stage["documents"])
        line_own = order.order_line.filtered(lambda line: line.product_id == self.product_own)
        line_other = order.order_line - line_own
        self.assertEqual(line_other.route_id, self.env.ref("stock.route_warehouse0_mto"), "bought to order")
        self.assertFalse(line_own.route_id, "own production comes from stock")
        self.assertFalse(line_other.move_ids, "nothing is bought before the prepayment")
        self.assertEqual(line_own.move_ids.state, "assigned", "own goods reserved from stock")
        self.assertFalse(self.env["purchase.order"].search([("origin", "ilike", order.name)]))

        # the document package: invoice for 100 % prepayment + contract, as PDF, in one e-mail
        action = order.with_user(manager).action_medcrm_send_documents()
        composer = Form(self.env[action["res_model"]].with_user(manager).with_context(**action["context"]))
        self.assertEqual(len(composer.attachment_ids), 2, "invoice and contract")
        self.assertIn("Счёт и договор", composer.subject)
        composer.save().action_send_mail()
        self.assertTrue(order.medcrm_documents_sent_date)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, order.amount_total)
        self.assertEqual(deal.stage_id, self.stage["documents"])
        sent = self.env["mail.message"].search([("model", "=", "sale.order"), ("res_id", "=", order.id)], limit=1)
        self.assertEqual(len(sent.attachment_ids), 2)

        # 15-16. the invoice is paid → «Обеспечение»: purchase order to the supplier, own goods reserved
        self._pay(order)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertTrue(order.medcrm_paid_date)
        self.assertEqual(deal.stage_id, self.stage["provisioning"])
        # the buyer (purchasing) works on it, not the sales manager
        purchase = line_other.move_ids.created_purchase_line_ids.order_id.with_env(self.env)
        self.assertEqual(purchase.partner_id, self.vendor, "the supplier of the manufacturer")
        self.assertEqual(purchase.order_line.product_id, self.product_other)
        self.assertEqual(purchase.order_line.product_qty, 2)
        self.assertNotIn(self.product_own, purchase.order_line.product_id, "own production is not bought")
        self.assertEqual(self.product_other.seller_ids.partner_id, self.vendor, "the vendor is kept on the product")

        # 17. the supplier delivers: every good is ready → «Отгрузка товара»
        purchase.button_confirm()
        self._validate(purchase.picking_ids)
        self.assertEqual(line_other.move_ids.state, "assigned")
        self.assertEqual(deal.stage_id, self.stage["shipment"])
        # the goods leave for the buyer
        self._validate(
            order.with_env(self.env).picking_ids.filtered(lambda picking: picking.picking_type_code == "outgoing")
        )
        self.assertTrue(order.medcrm_shipped_date)
        self.assertEqual(deal.stage_id, self.stage["shipment"])

        # 18. the buyer's signed documents, with the scan → «Получение документов»
        action = deal.action_medcrm_buyer_documents()
        wizard = (
            self.env[action["res_model"]]
            .with_user(manager)
            .with_context(**action["context"])
            .create({"note": "УПД № 128", "attachment_ids": [(6, 0, self._scan().ids)]})
        )
        wizard.action_record()
        self.assertTrue(deal.medcrm_documents_received)
        self.assertEqual(deal.medcrm_documents_attachment_ids.name, "УПД_128.pdf")
        self.assertEqual(deal.stage_id, self.stage["buyer_documents"])

        # 19. closing → the client gets the service-quality survey
        deal.action_set_won()
        self.assertEqual(deal.stage_id, self.stage["closed"])
        self.assertEqual(deal.probability, 100)
        answer = deal.medcrm_quality_answer_id
        self.assertEqual(answer.survey_id, self.env.ref("medcrm_leads.survey_service_quality"))
        mail = self.env["mail.mail"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", deal.id), ("body_html", "ilike", answer.access_token)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Оцените", mail.subject)
        self.assertEqual(mail.recipient_ids, deal.partner_id)

        # the timeline: every stage entered, each closed when left
        history = self._history(deal)
        self.assertEqual(
            history.stage_id.mapped("medcrm_code"),
            ["need", "offer", "negotiation", "documents", "provisioning", "shipment", "buyer_documents", "closed"],
        )
        self.assertTrue(all(history[:-1].mapped("date_out")))
        self.assertFalse(history[-1].date_out)
        self.assertEqual(deal.medcrm_stage_date, history[-1].date_in)
