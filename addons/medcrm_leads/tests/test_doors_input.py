"""Bad input through the doors people and integrators use: refused with a Russian message, nothing written.

The ORM as a manager, and XML-RPC as an integrator does it (raw database errors showed there).
"""

import ast
import inspect
import textwrap
import xmlrpc.client

from odoo import models
from odoo.addons.medcrm_needs.models.medcrm_input_guard import is_medcrm_class
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import PipelineCase

MEGABYTE = "Ж" * (1024 * 1024)


@tagged("post_install", "-at_install")
class TestDoorsInput(HttpCase, PipelineCase):
    def _rpc(self, user, model, method, *args, **kwargs):
        kwargs.setdefault("context", {"lang": "ru_RU"})
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, user.id, user.login, model, method, list(args), kwargs)

    def _lead(self, **values):
        return (
            self.env["crm.lead"]
            .with_user(self.user_manager)
            .create(self._incoming_lead_values(user_id=self.user_manager.id, **values))
        )

    # ------------------------------------------------------------
    # TEXT LIMITS
    # ------------------------------------------------------------

    def test_megabyte_texts_are_refused_before_the_database(self):
        Lead = self.env["crm.lead"].with_user(self.user_manager)
        before = Lead.search_count([])
        for values in ({"name": MEGABYTE}, {"email_from": MEGABYTE + "@example.ru"}, {"description": MEGABYTE}):
            with self.subTest(field=next(iter(values))), self.assertRaisesMessage(ValidationError, "слишком длинное"):
                Lead.create(self._incoming_lead_values(user_id=self.user_manager.id, **values))
        self.assertEqual(Lead.search_count([]), before)
        need = (
            self.env["medcrm.need"]
            .with_user(self.user_manager)
            .create(
                {"partner_id": self.hospital.id, "user_id": self.user_manager.id, "source_id": self.source_email.id}
            )
        )
        with self.assertRaisesMessage(ValidationError, "не более 200000 символов"):
            need.write({"description": f"<p>{MEGABYTE}</p>"})
        self.assertFalse(need.description)
        with self.assertRaisesMessage(ValidationError, "не более 500 символов"):
            self.env["res.partner"].with_user(self.user_manager).create({"name": MEGABYTE, "is_company": True})

    def test_megabyte_company_name_over_xmlrpc_gets_a_russian_fault_not_a_database_error(self):
        before = self.env["res.partner"].search_count([])
        # 4-byte characters: 400 of them are 1600 bytes, over what PostgreSQL's name index takes in pairs
        for name in (MEGABYTE, "😷" * 400):
            with self.assertRaises(xmlrpc.client.Fault) as capture:
                self._rpc(self.user_manager, "res.partner", "create", {"name": name, "is_company": True})
            self.assertIn("слишком длинное", capture.exception.faultString)
            self.assertNotIn("ProgramLimitExceeded", capture.exception.faultString)
        self.assertEqual(self.env["res.partner"].search_count([]), before)

    def test_long_names_a_person_types_are_accepted(self):
        name = "Федеральное государственное бюджетное учреждение здравоохранения «" + "Б" * 300 + "»"
        partner = self.env["res.partner"].with_user(self.user_manager).create({"name": name, "is_company": True})
        self.assertEqual(partner.name, name)

    # ------------------------------------------------------------
    # DATES, NUMBERS
    # ------------------------------------------------------------

    def test_impossible_dates_over_xmlrpc_are_refused_clearly(self):
        lead = self._lead()
        _deal, order = self._need_and_deal()
        cases = [
            ("crm.lead", lead.id, "date_deadline", "2026-13-45"),
            ("crm.lead", lead.id, "date_deadline", "0001-01-01"),
            ("sale.order", order.id, "commitment_date", "2026-13-45 10:00:00"),
            ("sale.order", order.id, "commitment_date", "завтра"),
        ]
        for model, record_id, field, value in cases:
            with self.subTest(model=model, value=value), self.assertRaises(xmlrpc.client.Fault) as capture:
                self._rpc(self.user_manager, model, "write", [record_id], {field: value})
            self.assertIn("неверная дата", capture.exception.faultString)
            self.assertNotIn("DatetimeFieldOverflow", capture.exception.faultString)
        self.assertFalse(lead.date_deadline)
        self.assertFalse(order.commitment_date)
        self._rpc(self.user_manager, "crm.lead", "write", [lead.id], {"date_deadline": "2026-12-31"})
        self.assertEqual(str(lead.date_deadline), "2026-12-31")

    def test_integer_out_of_range_is_refused(self):
        lead = self._lead()
        with self.assertRaisesMessage(ValidationError, "целое число"):
            lead.write({"color": 2**40})

    # ------------------------------------------------------------
    # INN, DOCUMENT DATES
    # ------------------------------------------------------------

    def test_wrong_inn_refused_without_a_country(self):
        Partner = self.env["res.partner"].with_user(self.user_manager)
        for vat in ("7701526011", "770152601100"):
            with self.subTest(vat=vat), self.assertRaisesMessage(ValidationError, "ИНН"):
                Partner.create({"name": f"ООО «Без страны {vat}»", "is_company": True, "vat": vat})
        partner = Partner.create({"name": "ООО «Без страны»", "is_company": True, "vat": "7707083893"})
        self.assertFalse(partner.country_id)
        with self.assertRaisesMessage(ValidationError, "ИНН"):
            partner.write({"vat": "7707083894"})
        self.assertEqual(partner.vat, "7707083893")

    def test_shipping_before_payment_is_refused(self):
        _deal, order = self._need_and_deal()
        order.with_user(self.user_manager).action_confirm()
        Order = order.with_user(self.user_accountant)
        Order.medcrm_register_accounting_event("paid", date="2026-03-10")
        with self.assertRaisesMessage(ValidationError, "раньше оплаты"):
            Order.medcrm_register_accounting_event("shipped", date="2026-03-05")
        self.assertFalse(order.medcrm_shipped_date)
        with self.assertRaisesMessage(ValidationError, "раньше оплаты"):
            order.with_user(self.env.ref("base.user_admin")).write({"medcrm_shipped_date": "2026-03-01 12:00:00"})
        Order.medcrm_register_accounting_event("shipped", date="2026-03-10")  # the same day is fine
        self.assertEqual(str(order.medcrm_shipped_date), "2026-03-10 00:00:00")

    def test_buyer_documents_dated_between_confirmation_and_today(self):
        deal, order = self._need_and_deal()
        order.with_user(self.user_manager).action_confirm()
        order.sudo().date_order = "2026-11-20 09:00:00"
        for date in ("2030-01-01 00:00:00", "2026-11-19 12:00:00"):
            with self.subTest(date=date), self.assertRaisesMessage(ValidationError, "между подтверждением"):
                deal._medcrm_record_buyer_documents(self._scan(), date=date)
        self.assertFalse(deal.medcrm_documents_received)
        deal._medcrm_record_buyer_documents(self._scan(), date="2026-11-20 15:00:00")
        self.assertEqual(str(deal.medcrm_documents_date), "2026-11-20 15:00:00")

    # ------------------------------------------------------------
    # FACTS OF ACCOUNTING
    # ------------------------------------------------------------

    def test_manager_cannot_pay_or_ship_his_own_order(self):
        deal, order = self._need_and_deal()
        order.with_user(self.user_manager).action_confirm()
        stage = deal.stage_id
        for event in ("paid", "shipped"):
            with self.assertRaisesMessage(AccessError, "бухгалтер"):
                order.with_user(self.user_manager).medcrm_register_accounting_event(event)
        with self.assertRaises(xmlrpc.client.Fault):
            self._rpc(self.user_manager, "sale.order", "medcrm_register_accounting_event", [order.id], "paid")
        with self.assertRaisesMessage(AccessError, "бухгалтер"):
            order.with_user(self.user_manager).write({"medcrm_paid_date": "2026-03-01 10:00:00"})
        self.assertFalse(order.medcrm_paid_date or order.medcrm_shipped_date)
        self.assertEqual(deal.stage_id, stage)

    def test_accountant_records_a_fact_signed_with_his_name(self):
        deal, order = self._need_and_deal()
        order.with_user(self.user_manager).action_confirm()
        self.assertTrue(
            self._rpc(self.user_accountant, "sale.order", "medcrm_register_accounting_event", [order.id], "paid")
        )
        self.assertTrue(order.medcrm_paid_date)
        self.assertEqual(deal.stage_id, self.stage["provisioning"])
        log = order.message_ids.filtered(lambda message: "Счетоводова Мария" in (message.body or ""))
        self.assertEqual(log.author_id, self.user_accountant.partner_id)

    # ------------------------------------------------------------
    # BUTTONS OVER XML-RPC
    # ------------------------------------------------------------

    def test_lost_reason_wizard_answers_over_xmlrpc(self):
        lead = self._lead()
        reason = self.env["crm.lost.reason"].search([], limit=1)
        wizard_id = self._rpc(
            self.user_manager,
            "crm.lead.lost",
            "create",
            {"lead_ids": [(6, 0, lead.ids)], "lost_reason_id": reason.id, "lost_feedback": "<p>Дорого</p>"},
        )
        self.assertIs(self._rpc(self.user_manager, "crm.lead.lost", "action_lost_reason_apply", [wizard_id]), True)
        self.assertFalse(lead.active)

    def test_public_methods_of_medcrm_models_never_return_none(self):
        """Discovered from the registry: a public method of a MedCRM class (an integrator may call it) ends with
        ``return <value>`` or ``raise``, and has no bare ``return``: XML-RPC cannot marshal None."""
        orm_api = set(dir(models.BaseModel))
        offenders, checked = [], 0
        seen = set()
        for name in self.env.registry:
            for cls in type(self.env[name]).__mro__:
                if not is_medcrm_class(cls) or cls in seen:
                    continue
                seen.add(cls)
                for attr, function in vars(cls).items():
                    if attr.startswith("_") or attr in orm_api or not inspect.isfunction(function):
                        continue
                    if getattr(function, "_constrains", None) or getattr(function, "_onchange", None):
                        continue
                    checked += 1
                    if self._may_return_none(function):
                        offenders.append(f"{cls.__module__}.{cls.__name__}.{attr}")
        self.assertGreater(checked, 20)
        self.assertFalse(offenders, f"public methods that may return None: {offenders}")

    @staticmethod
    def _may_return_none(function):
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        node = tree.body[0]
        inner = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

        def walk(statements):
            for statement in statements:
                if isinstance(statement, inner):
                    continue
                for child in ast.walk(statement):
                    if isinstance(child, ast.Return) and (
                        child.value is None or (isinstance(child.value, ast.Constant) and child.value.value is None)
                    ):
                        return True
            return False

        if walk(node.body):
            return True
        last = node.body[-1]
        if isinstance(last, (ast.Return, ast.Raise)):
            return False
        if isinstance(last, ast.If) and last.orelse:
            return not all(isinstance(branch[-1], (ast.Return, ast.Raise)) for branch in (last.body, last.orelse))
        return True
