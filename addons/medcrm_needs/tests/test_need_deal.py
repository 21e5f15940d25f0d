from odoo.exceptions import UserError

from .common import MedcrmNeedCase


class TestNeedDeal(MedcrmNeedCase):
    """Need → deal + quotation; the need number travels to the deal, the quotation and the invoice."""

    def test_numbers_come_from_the_sequence(self):
        need = self._need(self.user_manager, self.hospital, self.products[:1], state="draft")
        year = need.create_date.year
        self.assertRegex(need.name, rf"^ПТ-{year}-\d{{5}}$")
        self.env["res.config.settings"].create({"medcrm_need_number_prefix": "ПОТ/%(year)s/"}).execute()
        other = self._need(self.user_manager, self.hospital, self.products[:1], state="draft")
        self.assertRegex(other.name, rf"^ПОТ/{year}/\d{{5}}$")

    def test_create_deal_and_quotation(self):
        need = self._need(
            self.user_manager, self.hospital, self.products[:3], contact_id=self.hospital_contact.id, qty=4
        )
        action = need.with_user(self.user_manager).action_create_deal()
        deal = need.deal_id
        self.assertEqual(action["res_id"], deal.id)
        self.assertEqual(deal.type, "opportunity")
        self.assertEqual(deal.partner_id, self.hospital)
        self.assertEqual(deal.user_id, self.user_manager)
        self.assertEqual(deal.medcrm_need_id, need)
        self.assertEqual(deal.medcrm_need_number, need.name)
        self.assertIn(need.name, deal.name)
        self.assertEqual(deal.source_id, self.source, "the deal keeps the channel of the need")
        self.assertEqual(deal.expected_revenue, 4 * sum(self.products[:3].mapped("list_price")))
        order = deal.order_ids
        self.assertEqual(len(order), 1)
        self.assertEqual(order.medcrm_need_number, need.name)
        self.assertEqual(order.origin, need.name)
        self.assertEqual(order.order_line.product_id, self.products[:3])
        self.assertEqual(set(order.order_line.mapped("product_uom_qty")), {4.0})
        # the need is archived read-only
        self.assertEqual(need.state, "converted")
        self.assertFalse(need.active)
        with self.assertRaisesText(UserError, "закрыта"):
            need.with_user(self.user_manager).write({"date_to": need.date_to})
        with self.assertRaisesText(UserError, "закрыта"):
            need.line_ids[0].with_user(self.user_manager).product_uom_qty = 9
        with self.assertRaisesText(UserError, "открытой"):
            need.with_user(self.user_manager).action_create_deal()

    def test_number_travels_to_the_invoice(self):
        need = self._need(self.user_manager, self.hospital, self.products[:2])
        need.action_create_deal()
        order = need.deal_id.order_ids
        order.client_order_ref = "Заявка 17"
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertEqual(invoice.medcrm_need_number, need.name)
        self.assertEqual(invoice.ref, f"Заявка 17, {need.name}")
        # any later quotation of the deal carries the number as well
        quotation = self.env["sale.order"].create({"partner_id": self.hospital.id, "opportunity_id": need.deal_id.id})
        self.assertEqual(quotation.medcrm_need_number, need.name)

    def test_quotation_report_prints_the_number(self):
        need = self._need(self.user_manager, self.hospital, self.products[:2])
        need.action_create_deal()
        html, __ = self.env["ir.actions.report"]._render_qweb_html(
            "sale.action_report_saleorder", need.deal_id.order_ids.ids
        )
        self.assertIn(need.name, html.decode())

    def test_satisfiable_need_becomes_a_deal_automatically(self):
        need = self._need(self.user_manager, self.hospital, self.products[:3])
        need.with_user(self.user_manager).action_confirm_satisfiable()
        self.assertEqual(need.state, "converted")
        self.assertTrue(need.deal_id)

    def test_satisfiable_need_waits_for_its_duplicates(self):
        other = self._need(self.user_manager_2, self.dealer, self.products[:3])
        need = self._need(self.user_manager, self.hospital, self.products[:3])
        need.with_user(self.user_manager).action_confirm_satisfiable()
        self.assertEqual(need.state, "open", "a need with an open duplicate does not become a deal")
        self.assertTrue(need.satisfiable)
        # the head decides: the dealer's need is the duplicate; the waiting need becomes a deal
        other.with_user(self.user_head).write(
            {"state": "duplicate", "duplicate_of_need_id": need.id, "close_comment": "Тот же заказчик"}
        )
        self.assertEqual(need.state, "converted")
        self.assertEqual(need.deal_id.medcrm_need_id, need)

    def test_need_takes_the_channel_of_its_lead(self):
        channel = self.env["utm.source"].create({"name": "Выставка «Здравоохранение»"})
        lead = self.env["crm.lead"].create({"name": "Интерес с выставки", "source_id": channel.id})
        need = self._need(self.user_manager, self.hospital, self.products[:1], lead_id=lead.id)
        self.assertEqual(need.source_id, channel)
        need.action_create_deal()
        self.assertEqual(need.deal_id.source_id, channel)

    def test_hooks_are_overridable(self):
        need = self._need(self.user_manager, self.hospital, self.products[:1])
        values = need._prepare_deal_values()
        self.assertEqual(values["medcrm_need_id"], need.id)
        deal = self.env["crm.lead"].create(values)
        quotation_values = need._prepare_quotation_values(deal)
        self.assertEqual(quotation_values["opportunity_id"], deal.id)
        self.assertEqual(len(quotation_values["order_line"]), 1)
