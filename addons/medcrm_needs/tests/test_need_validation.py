from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from .common import MedcrmNeedCase


class TestNeedValidation(MedcrmNeedCase):
    """Bad input is refused with a clear Russian message, and nothing is half-created."""

    def _create(self, **values):
        vals = {
            "partner_id": self.hospital.id,
            "line_ids": [Command.create({"product_id": self.products[0].id, "product_uom_qty": 1})],
        } | values
        return self.env["medcrm.need"].with_user(self.user_manager).with_context(lang="ru_RU").create(vals)

    def _count(self):
        return self.env["medcrm.need"].with_context(active_test=False).search_count([])

    def test_open_need_without_lines(self):
        before = self._count()
        with self.assertRaisesText(ValidationError, "нет товаров"):
            self._create(line_ids=[], state="open")
        need = self._create(line_ids=[])
        with self.assertRaisesText(ValidationError, "нет товаров"):
            need.action_open()
        self.assertEqual(self._count(), before + 1)

    def test_zero_and_negative_quantity(self):
        before = self._count()
        for qty in (0, -5):
            with self.assertRaisesText(ValidationError, "больше нуля"):
                self._create(line_ids=[Command.create({"product_id": self.products[0].id, "product_uom_qty": qty})])
        self.assertEqual(self._count(), before)

    def test_archived_product(self):
        self.products[1].active = False
        with self.assertRaisesText(ValidationError, "в архиве"):
            self._create(line_ids=[Command.create({"product_id": self.products[1].id, "product_uom_qty": 1})])

    def test_product_not_for_sale(self):
        self.products[2].sale_ok = False
        with self.assertRaisesText(ValidationError, "не продаётся"):
            self._create(line_ids=[Command.create({"product_id": self.products[2].id, "product_uom_qty": 1})])

    def test_person_instead_of_company(self):
        before = self._count()
        with self.assertRaisesText(ValidationError, "должен быть организацией"):
            self._create(partner_id=self.hospital_contact.id)
        self.assertEqual(self._count(), before)

    def test_contact_of_another_company(self):
        with self.assertRaisesText(ValidationError, "не относится"):
            self._create(partner_id=self.dealer.id, contact_id=self.hospital_contact.id)

    def test_period_ending_before_it_starts(self):
        with self.assertRaisesText(ValidationError, "заканчивается раньше"):
            self._create(date_from="2026-05-01", date_to="2026-04-01")

    def test_no_product_is_created_from_a_line(self):
        line_view = self.env.ref("medcrm_needs.medcrm_need_line_view_list_edit")
        self.assertIn("'no_create': True", line_view.arch)
        with self.assertRaisesText(AccessError, "ведутся в 1С"):
            self.env["product.product"].with_user(self.user_manager).with_context(lang="ru_RU").name_create(
                "Шприц 2 мл"
            )

    def test_closed_by_hand_needs_a_comment(self):
        deal = self.env["crm.lead"].create({"name": "Сделка", "type": "opportunity", "source_id": self.source.id})
        need = self._need(self.user_manager, self.hospital, self.products[:1])
        with self.assertRaisesText(ValidationError, "напишите комментарий"):
            need.write({"state": "duplicate", "duplicate_of_deal_id": deal.id})
        self.assertEqual(need.state, "open")
        with self.assertRaisesText(ValidationError, "выберите потребность или сделку"):
            need.write({"state": "duplicate", "close_comment": "Дубль"})
        with self.assertRaisesText(ValidationError, "выберите причину"):
            need.write({"state": "lost", "close_comment": "Неактуально"})
        self.assertEqual(need.state, "open")
