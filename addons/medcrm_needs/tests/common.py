from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user


class MedcrmCase(TransactionCase):
    """Base of MedCRM tests: a sales head and two managers, all working in Russian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.user_head = cls._new_user("test_head", "Голованов Пётр", "medcrm_needs.group_medcrm_head")
        cls.user_manager = cls._new_user("test_manager_1", "Менеджерова Анна", "medcrm_needs.group_medcrm_manager")
        cls.user_manager_2 = cls._new_user("test_manager_2", "Продажин Олег", "medcrm_needs.group_medcrm_manager")

    @contextmanager
    def assertRaisesText(self, exception, text):
        """assertRaises (rolled back to a savepoint, as Odoo's) and the message contains ``text``."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertIn(text, str(catcher.exception))

    @classmethod
    def _new_user(cls, login, name, groups):
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@medcrm.test",
            groups=f"base.group_user,{groups}",
            lang="ru_RU",
            tz="Europe/Moscow",
        )


class MedcrmNeedCase(MedcrmCase):
    """Needs: a small catalogue (with an analogue group), counterparties, helpers to make needs and deals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.notification_type = "email"
        cls.company = cls.env.company
        cls.uom_unit = cls.env.ref("uom.product_uom_unit")
        cls.analogues = cls.env["medcrm.analogue.group"].create({"name": "Катетер внутривенный 20G"})
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Тестовый товар {index:02d}",
                    "default_code": f"T-{index:02d}",
                    "type": "consu",
                    "sale_ok": True,
                    "list_price": 10.0 * index,
                    "medcrm_registry_code": f"РЗН 2020/{1000 + index}",
                }
                for index in range(1, 13)
            ]
        )
        cls.catheter_a, cls.catheter_b = cls.env["product.product"].create(
            [
                {
                    "name": name,
                    "type": "consu",
                    "sale_ok": True,
                    "list_price": 25.0,
                    "medcrm_analogue_group_id": cls.analogues.id,
                }
                for name in ("Катетер 20G (наш)", "Катетер 20G Vogt")
            ]
        )
        Partner = cls.env["res.partner"]
        cls.hospital = Partner.create({"name": "ГБУЗ «Тестовая больница № 1»", "is_company": True})
        cls.dealer = Partner.create({"name": "ООО «Тестовый дилер»", "is_company": True})
        cls.clinic = Partner.create({"name": "ООО «Тестовая клиника»", "is_company": True})
        cls.hospital_contact = Partner.create({"name": "Сидорова Ольга", "parent_id": cls.hospital.id})
        cls.today = fields.Date.today()
        # Every deal carries its channel (mandatory once medcrm_leads is installed).
        cls.source = cls.env["utm.source"].create({"name": "Тестовый канал"})

    @classmethod
    def _need(cls, user, partner, products, state="open", date_from=None, date_to=None, qty=1.0, **values):
        """A need of ``user`` for ``partner`` with one line per product, created as ``user``."""
        vals = {
            "partner_id": partner.id,
            "user_id": user.id,
            "date_from": date_from or cls.today,
            "date_to": date_to or cls.today + relativedelta(months=3),
            "line_ids": [Command.create({"product_id": p.id, "product_uom_qty": qty}) for p in products],
            **values,
        }
        if "lead_id" not in vals:
            vals.setdefault("source_id", cls.source.id)  # with a lead, the need takes the lead's channel
        need = cls.env["medcrm.need"].with_user(user).with_context(lang="ru_RU").create(vals)
        if state == "open":
            need.action_open()
        return need.with_user(cls.env.user).with_context(lang="ru_RU")

    @classmethod
    def _deal_with_quotation(cls, user, partner, products, **deal_values):
        """An open deal (without need) with a quotation of ``products``."""
        deal = cls.env["crm.lead"].create(
            {
                "name": "Сделка без потребности",
                "type": "opportunity",
                "partner_id": partner.id,
                "user_id": user.id,
                "source_id": cls.source.id,
            }
            | deal_values
        )
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "opportunity_id": deal.id,
                "user_id": user.id,
                "order_line": [Command.create({"product_id": p.id, "product_uom_qty": 2}) for p in products],
            }
        )
        return deal, order
