"""Every product's РУ matched against the register; a КП or an order with a bad certificate stays home."""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RegistryCase


@tagged("post_install", "-at_install")
class TestProductMatching(RegistryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.syringe = cls.make_product("№ РЗН 2019/08123", cls.medprom)
        cls.bandage = cls.make_product("ФCЗ 2010/07540")  # Latin C: a look-alike
        cls.infusion = cls.make_product("РЗН 2016/4385", cls.medprom)  # the register says Медпласт
        cls.tonometer = cls.make_product("ФСР 2011/12345")
        cls.unknown = cls.make_product("РЗН 2099/1")
        cls.garbled = cls.make_product("см. паспорт изделия")
        cls.service = cls.make_product(False, name="Доставка")
        cls.partner = cls.env["res.partner"].create({"name": "ГБУЗ «Больница РУ»", "is_company": True})

    def status(self, product):
        product.invalidate_recordset()
        return product.medcrm_registry_status

    def test_statuses_after_the_import(self):
        self.assertEqual(self.status(self.syringe), "unchecked", "no register yet: nothing is blocked")
        self.assertEqual(self.status(self.service), "none")
        self.import_fixture("register_v1.csv")
        expected = {
            self.syringe: "valid",
            self.bandage: "expired",
            self.infusion: "valid",
            self.tonometer: "annulled",
            self.unknown: "not_found",
            self.garbled: "unrecognized",
            self.service: "none",
        }
        for product, status in expected.items():
            with self.subTest(product=product.medcrm_registry_code):
                self.assertEqual(self.status(product), status)
        syringe = self.syringe.product_tmpl_id
        self.assertEqual(syringe.medcrm_registry_certificate_id.name, "РЗН 2019/8123")
        self.assertEqual(syringe.medcrm_registry_holder, "ООО «Медпром»")
        self.assertEqual(syringe.medcrm_registry_producer, "ООО «Медпром»")
        self.assertFalse(syringe.medcrm_registry_valid_until_register)
        self.assertFalse(syringe.medcrm_registry_producer_mismatch)
        self.assertTrue(self.infusion.medcrm_registry_producer_mismatch, "Медпласт in the register, Медпром here")
        self.assertTrue(self.bandage.medcrm_registry_problem)
        self.assertFalse(self.syringe.medcrm_registry_problem)
        problems = self.env["product.template"].search([("medcrm_registry_problem", "=", True)])
        self.assertLessEqual((self.bandage | self.tonometer | self.unknown | self.garbled).product_tmpl_id, problems)
        self.assertNotIn(self.syringe.product_tmpl_id, problems)
        # the renewed certificate: the bandage becomes valid again
        self.import_fixture("register_v2.csv", as_zip=True)
        self.assertEqual(self.status(self.bandage), "valid")
        # a certificate expires as time passes (the daily job)
        self.env["product.template"]._medcrm_registry_match(today=datetime.date(2036, 1, 1))
        self.assertEqual(self.status(self.bandage), "expired")

    def test_product_changes_are_checked_at_once(self):
        self.import_fixture("register_v1.csv")
        self.unknown.medcrm_registry_code = "рзн 2019/8123"
        self.assertEqual(self.status(self.unknown), "valid")
        # the 1C bridge writes by SQL: the check after its sync (and the daily job) picks the change up
        self.env.cr.execute(
            "UPDATE product_template SET medcrm_registry_code = 'ФСЗ 2010/07540' WHERE id = %s",
            [self.unknown.product_tmpl_id.id],
        )
        self.env["product.template"]._cron_medcrm_registry_match()
        self.assertEqual(self.status(self.unknown), "expired")

    def test_need_line_shows_the_status(self):
        self.import_fixture("register_v1.csv")
        need = self.env["medcrm.need"].create(
            {
                "partner_id": self.partner.id,
                "line_ids": [
                    Command.create({"product_id": self.syringe.id, "product_uom_qty": 5}),
                    Command.create({"product_id": self.bandage.id, "product_uom_qty": 5}),
                ],
            }
        )
        self.assertEqual(need.line_ids.mapped("medcrm_registry_status"), ["valid", "expired"])
        self.assertEqual(need.medcrm_registry_problem_count, 1)
        rows = self.env["medcrm.registry.problem"].search([("product_tmpl_id", "=", self.bandage.product_tmpl_id.id)])
        self.assertIn(need, rows.need_id, "the report lists the open need holding the product")


@tagged("post_install", "-at_install")
class TestSalesGuard(RegistryCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.good = cls.make_product("РЗН 2019/8123", cls.medprom)
        cls.expired = cls.make_product("ФСЗ 2010/07540")
        cls.missing = cls.make_product("РЗН 2099/77")
        cls.partner = cls.env["res.partner"].create({"name": "ГБУЗ «Больница РУ»", "is_company": True})

    def order(self, *products, user=None):
        return (
            self.env["sale.order"]
            .with_user(user or self.user_manager)
            .create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [Command.create({"product_id": p.id, "product_uom_qty": 2}) for p in products],
                }
            )
        )

    def test_no_register_no_block(self):
        order = self.order(self.expired, self.missing)
        self.assertFalse(order.medcrm_registry_blocked)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_valid_certificates_go_out(self):
        self.import_fixture("register_v1.csv")
        order = self.order(self.good)
        self.assertEqual(order.order_line.medcrm_registry_status, "valid")
        order.action_quotation_sent()
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_expired_or_unknown_certificate_blocks_until_the_head_allows(self):
        self.import_fixture("register_v1.csv")
        order = self.order(self.good, self.expired)
        self.assertTrue(order.medcrm_registry_blocked)
        self.assertIn("ФСЗ 2010/07540", order.medcrm_registry_problems)
        with self.assertRaisesText(UserError, "ФСЗ 2010/07540"):
            order.action_quotation_sent()
        with self.assertRaisesText(UserError, "ФСЗ 2010/07540"):
            order.action_quotation_send()
        with self.assertRaisesText(UserError, "ФСЗ 2010/07540"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        # a manager cannot allow it
        wizard = self.env["medcrm.registry.override.wizard"].with_user(self.user_manager)
        with self.assertRaises(AccessError):
            wizard.create({"order_id": order.id, "reason": "Срочно"}).action_allow()
        # the head allows it with a reason: logged on the order
        head_order = order.with_user(self.user_head)
        action = head_order.action_medcrm_registry_override()
        wizard = (
            self.env["medcrm.registry.override.wizard"]
            .with_user(self.user_head)
            .with_context(**action["context"])
            .create({"reason": "РУ продлено, выписка из реестра приложена"})
        )
        wizard.action_allow()
        override = order.medcrm_registry_override_ids
        self.assertEqual(len(override), 1)
        self.assertEqual(override.user_id, self.user_head)
        self.assertEqual(override.product_tmpl_ids, self.expired.product_tmpl_id)
        self.assertIn("выписка", order.message_ids[0].body)
        self.assertFalse(order.medcrm_registry_blocked)
        order.action_quotation_sent()
        self.assertEqual(order.state, "sent")
        # a product added after the override is not covered by it
        order.write({"order_line": [Command.create({"product_id": self.missing.id, "product_uom_qty": 1})]})
        self.assertTrue(order.medcrm_registry_blocked)
        with self.assertRaisesText(UserError, "РЗН 2099/77"):
            order.action_confirm()
        order.order_line.filtered(lambda line: line.product_id == self.missing).unlink()
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        rows = self.env["medcrm.registry.problem"].search([("order_id", "=", order.id)])
        self.assertEqual(rows.product_tmpl_id, self.expired.product_tmpl_id)

    def test_nothing_to_allow(self):
        self.import_fixture("register_v1.csv")
        order = self.order(self.good)
        wizard = self.env["medcrm.registry.override.wizard"].with_user(self.user_head)
        with self.assertRaises(UserError):
            wizard.create({"order_id": order.id, "reason": "просто так"}).action_allow()
