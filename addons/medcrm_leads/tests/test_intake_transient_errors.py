import json
from contextlib import contextmanager
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo.tests import tagged

from ..models.medcrm_lead_intake import DOOR_ATTEMPTS
from . import test_intake_mail
from .common import LeadsCase
from .test_intake_http import IntakeHttpCase


@contextmanager
def flaky_creation(env, failures):
    """Lead creations fail ``failures`` times with the error PostgreSQL gives concurrent transactions."""
    lead_class = type(env["crm.lead"])
    original = lead_class._medcrm_prepare_assignments
    calls = {"count": 0}

    def flaky(self, vals_list, defaults):
        calls["count"] += 1
        if calls["count"] <= failures:
            raise pg_errors.SerializationFailure("could not serialize access due to concurrent update")
        return original(self, vals_list, defaults)

    with patch.object(lead_class, "_medcrm_prepare_assignments", flaky), patch("time.sleep"):
        yield calls


@tagged("post_install", "-at_install")
class TestDoorsKeepTheInterest(IntakeHttpCase):
    """Call-back and Medbuy.ru: a transient database error is retried in a fresh transaction, and an
    interest that still fails is kept for the scheduled replay, never answered 500 and dropped."""

    TOKEN = "medbuy-secret-retry"  # noqa: S105 - a test token

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("medcrm_leads.medbuy_token", self.TOKEN)

    def _medbuy(self, products):
        return self.url_open(
            "/medcrm/medbuy/lead",
            timeout=60,
            data=json.dumps({"contact_name": "Гарипова Алсу", "phone": "+7 843 237-32-15", "products": products}),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.TOKEN}"},
        )

    def _callback_token(self):
        page = self.url_open("/medcrm/callback", timeout=60)  # the first page of the site may be slow to build
        return page.text.split('name="medcrm_token" value="', 1)[1].split('"', 1)[0]

    def test_medbuy_request_is_retried_and_created_once(self):
        with flaky_creation(self.env, 2) as calls:
            response = self._medbuy("Перчатки, повтор")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(calls["count"], 3)
        leads = self.env["crm.lead"].search([("name", "=", "Medbuy.ru: Перчатки, повтор")])
        self.assertEqual(len(leads), 1, "one lead, not one per attempt")
        self.assertEqual(leads.id, response.json()["lead_id"])
        self.assertEqual(leads.user_id, self.user_manager)
        self.assertEqual(len(leads.medcrm_handover_ids), 1)

    def test_medbuy_request_failing_every_time_is_kept_then_replayed(self):
        with flaky_creation(self.env, DOOR_ATTEMPTS):
            response = self._medbuy("Маски, отложено")
        self.assertEqual(response.status_code, 202)
        self.assertTrue(response.json()["queued"])
        name = "Medbuy.ru: Маски, отложено"
        self.assertFalse(self.env["crm.lead"].search([("name", "=", name)]))
        kept = self.env["medcrm.lead.intake"].search([("door", "=", "medbuy")])
        self.assertEqual(len(kept), 1)
        self.assertIn("could not serialize", kept.last_error)

        with patch.object(self.env.cr, "commit", lambda: None):
            self.env["medcrm.lead.intake"]._cron_replay()
        lead = self.env["crm.lead"].search([("name", "=", name)])
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.source_id, self.source_medbuy)
        self.assertEqual(lead.user_id, self.user_manager)
        self.assertFalse(kept.exists(), "replayed interests are forgotten")

    def test_call_back_request_is_retried(self):
        token = self._callback_token()
        with flaky_creation(self.env, 3):
            response = self.url_open(
                "/medcrm/callback",
                data={"medcrm_token": token, "name": "Повторов Олег", "phone": "+7 903 111-22-44"},
                timeout=60,
            )
        self.assertEqual(response.status_code, 200)
        self.assertIn("перезвонит", response.text)
        self.assertEqual(len(self.env["crm.lead"].search([("contact_name", "=", "Повторов Олег")])), 1)


@tagged("post_install", "-at_install")
class TestMailGatewayKeepsTheInterest(LeadsCase):
    """Mailboxes fetched by Odoo's cron (which marks a failed message read): retried, then kept."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "medprom.example", "bounce_alias": "bounce", "catchall_alias": "catchall", "sequence": 1}
        )
        cls.env.company.alias_domain_id = alias_domain
        cls.team.alias_id.write({"alias_name": "zayavki", "alias_domain_id": alias_domain.id})
        cls.env.ref("medcrm_leads.mail_alias_medbuy").alias_domain_id = alias_domain

    def _fetch(self, raw):
        gateway = self.env["mail.thread"].with_context(fetchmail_cron_running=True)
        # fetch_mail commits before each message; a test may not commit nor roll back: a savepoint plays
        # the transaction of the message
        self.env.flush_all()
        self.env.cr.execute("SAVEPOINT medcrm_fetch")

        def rollback():
            self.env.cr.execute("ROLLBACK TO SAVEPOINT medcrm_fetch")
            self.env.cr.clear()

        with patch.object(self.env.cr, "rollback", rollback):
            return gateway.message_process(None, raw)

    def _raw(self, subject, msg_id):
        return test_intake_mail.TestIntakeMail._mail(
            "zayavki@medprom.example", subject, "Нужны шприцы 5 мл, 2000 шт.", msg_id
        )

    def test_fetched_mail_is_retried(self):
        with flaky_creation(self.env, 2):
            lead_id = self._fetch(self._raw("Запрос шприцев", "<retry-1@clinic.example>"))
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual(lead.name, "Запрос шприцев")
        self.assertEqual(lead.user_id, self.user_manager)
        self.assertEqual(self.env["crm.lead"].search_count([("name", "=", "Запрос шприцев")]), 1)

    def test_fetched_mail_failing_every_time_is_kept_then_replayed(self):
        with flaky_creation(self.env, DOOR_ATTEMPTS):
            self.assertFalse(self._fetch(self._raw("Запрос масок", "<retry-2@clinic.example>")))
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Запрос масок")]))
        kept = self.env["medcrm.lead.intake"].search([("door", "=", "mail")])
        self.assertEqual(len(kept), 1)
        with patch.object(self.env.cr, "commit", lambda: None):
            self.env["medcrm.lead.intake"]._cron_replay()
        lead = self.env["crm.lead"].search([("name", "=", "Запрос масок")])
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.source_id, self.env.ref("medcrm_leads.utm_source_email"))
        self.assertFalse(kept.exists())
