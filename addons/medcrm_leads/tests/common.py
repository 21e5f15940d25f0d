from contextlib import contextmanager

from odoo import Command
from odoo.addons.medcrm_needs.tests.common import MedcrmCase


class ErrorMessageMixin:
    @contextmanager
    def assertRaisesMessage(self, exception, regex):
        """assertRaises (Odoo's: the savepoint is rolled back, the cache cleared) and a check of the message."""
        with self.assertRaises(exception) as capture:
            yield capture
        self.assertRegex(str(capture.exception), regex)


class LeadsCase(ErrorMessageMixin, MedcrmCase):
    """A sales department of its own: head Голованов, the round-robin queue Анна → Олег → Ирина."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_manager_3 = cls._new_user("test_manager_3", "Звонарёва Ирина", "medcrm_needs.group_medcrm_manager")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Тестовый отдел продаж",
                "user_id": cls.user_head.id,
                "use_leads": True,
                "use_opportunities": True,
                "medcrm_assignment_mode": "round_robin",
                "sequence": -1,
            }
        )
        cls.member_1, cls.member_2, cls.member_3 = cls.env["crm.team.member"].create(
            [
                {"crm_team_id": cls.team.id, "user_id": user.id, "medcrm_sequence": sequence}
                for user, sequence in (
                    (cls.user_manager, 10),
                    (cls.user_manager_2, 20),
                    (cls.user_manager_3, 30),
                )
            ]
        )
        cls.env["ir.config_parameter"].sudo().set_param("medcrm_leads.intake_team_id", cls.team.id)
        cls.source_email = cls.env.ref("medcrm_leads.utm_source_email")
        cls.source_site_form = cls.env.ref("medcrm_leads.utm_source_site_form")
        cls.source_chat = cls.env.ref("medcrm_leads.utm_source_chat")
        cls.source_mailing = cls.env.ref("medcrm_leads.utm_source_mailing")
        cls.source_call = cls.env.ref("medcrm_leads.utm_source_inbound_call")
        cls.source_callback = cls.env.ref("medcrm_leads.utm_source_callback")
        cls.source_exhibition = cls.env.ref("medcrm_leads.utm_source_exhibition")
        cls.source_medbuy = cls.env.ref("medcrm_leads.utm_source_medbuy")
        cls.product_syringe = cls.env["product.product"].create(
            {"name": "Шприц 5 мл трёхкомпонентный", "sale_ok": True, "type": "consu"}
        )
        cls.product_mask = cls.env["product.product"].create(
            {"name": "Маска медицинская трёхслойная", "sale_ok": True, "type": "consu"}
        )

    @classmethod
    def _incoming_lead_values(cls, name="Запрос КП на шприцы", **values):
        """An interest arriving from outside: a source, no salesperson (the queue decides)."""
        return {"name": name, "source_id": cls.source_email.id, "user_id": False, "team_id": cls.team.id, **values}

    def _queue_users(self, leads):
        return [lead.user_id for lead in leads]


class PipelineCase(LeadsCase):
    """The deal pipeline: a catalogue with our own product (in stock) and a third-party one (bought from the
    supplier of its manufacturer), a hospital with its contact, and helpers to walk a deal through it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # as in the web client of a Russian user: messages and errors in Russian
        cls.env = cls.env(context=dict(cls.env.context, lang="ru_RU"))
        cls.env.user.notification_type = "email"
        cls.company = cls.env.company
        # facts of accounting (paid, shipped) come from 1C or from an accountant, not from the sales managers
        cls.user_accountant = cls._new_user("test_accountant", "Счетоводова Мария", "account.group_account_invoice")
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        Partner = cls.env["res.partner"]
        cls.hospital = Partner.create(
            {
                "name": "ГБУЗ «Городская больница № 7»",
                "is_company": True,
                "email": "zakupki@gb7.example",
                "lang": "ru_RU",
            }
        )
        cls.hospital_contact = Partner.create(
            {
                "name": "Лебедева Ольга",
                "parent_id": cls.hospital.id,
                "email": "lebedeva@gb7.example",
                "lang": "ru_RU",
            }
        )
        cls.vendor = Partner.create({"name": "ООО «Медтехника-Дистрибуция»", "is_company": True})
        cls.maker_own, cls.maker_other = cls.env["medcrm.manufacturer"].create(
            [
                {"name": "Тестовое собственное производство", "is_own": True},
                {"name": "Тестовый сторонний завод", "medcrm_vendor_id": cls.vendor.id},
            ]
        )
        cls.product_own = cls.env["product.product"].create(
            {
                "name": "Бинт марлевый стерильный 7×14",
                "type": "consu",
                "is_storable": True,
                "sale_ok": True,
                "list_price": 40.0,
                "medcrm_own_production": True,
                "medcrm_manufacturer_id": cls.maker_own.id,
                "medcrm_registry_code": "РЗН 2015/3010",
            }
        )
        cls.product_other = cls.env["product.product"].create(
            {
                "name": "Тонометр автоматический на плечо",
                "type": "consu",
                "is_storable": True,
                "sale_ok": True,
                "list_price": 2500.0,
                "standard_price": 1800.0,
                "medcrm_own_production": False,
                "medcrm_manufacturer_id": cls.maker_other.id,
                "medcrm_registry_code": "ФСЗ 2011/10132",
            }
        )
        cls.env["stock.quant"]._update_available_quantity(cls.product_own, cls.warehouse.lot_stock_id, 500)
        cls.stage = {
            code: cls.env.ref(f"medcrm_leads.stage_{code}")
            for code in (
                "need",
                "offer",
                "negotiation",
                "documents",
                "payment",
                "provisioning",
                "shipment",
                "buyer_documents",
                "closed",
            )
        }

    @classmethod
    def _need_and_deal(cls, user=None, lines=None):
        """A need of ``user`` (default the first manager) turned into a deal with its quotation (КП)."""
        user = user or cls.user_manager
        lines = lines or [(cls.product_own, 100), (cls.product_other, 2)]
        need = (
            cls.env["medcrm.need"]
            .with_user(user)
            .create(
                {
                    "partner_id": cls.hospital.id,
                    "contact_id": cls.hospital_contact.id,
                    "user_id": user.id,
                    "team_id": cls.team.id,
                    "source_id": cls.source_email.id,
                    "line_ids": [
                        Command.create({"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
                    ],
                }
            )
        )
        need.action_open()
        need.action_create_deal()
        deal = need.deal_id.with_user(user)
        return deal, deal.order_ids

    def _pay(self, order):
        """Pay the order's invoice in full, as the accountant does in Odoo."""
        invoices = order.invoice_ids.filtered(lambda move: move.state == "posted")
        self.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoices.ids).create(
            {}
        )._create_payments()
        return invoices

    def _validate(self, pickings):
        """Validate the transfers as the storekeeper does (not the sales manager)."""
        for picking in pickings.with_env(self.env):
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            picking.button_validate()

    def _scan(self, name="УПД_128.pdf", user=None):
        """The scan as the manager uploads it (a file is his until attached: nobody else may move it)."""
        return (
            self.env["ir.attachment"]
            .with_user(user or self.user_manager)
            .create({"name": name, "raw": b"%PDF-1.4 scan", "mimetype": "application/pdf"})
        )
