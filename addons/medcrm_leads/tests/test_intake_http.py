import json
import re
import xmlrpc.client
from urllib.parse import urlencode

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import LeadsCase


class IntakeHttpCase(HttpCase, LeadsCase):
    """The public doors, reached as the outside world reaches them: HTTP requests to the running server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env.ref("website.default_website")
        ru = cls.env["res.lang"]._activate_lang("ru_RU")
        cls.website.write(
            {"language_ids": [Command.link(ru.id)], "default_lang_id": ru.id, "crm_default_team_id": cls.team.id}
        )

    def _new_leads(self, before_ids):
        return self.env["crm.lead"].search([("id", "not in", before_ids)], order="id")

    def _lead_ids(self):
        return self.env["crm.lead"].with_context(active_test=False).search([]).ids


@tagged("post_install", "-at_install")
class TestIntakeWebsiteForm(IntakeHttpCase):
    """The product-page form of the site (website_crm "Create an Opportunity")."""

    def _post_form(self, **fields):
        data = {
            "contact_name": "Васильева Елена",
            "email_from": "vasilyeva@polyclinic3.example",
            "phone": "+7 4822 55-12-12",
            "partner_name": "Поликлиника № 3",
            "name": "Запрос с сайта",
            "description": "Нужны шприцы для прививочного кабинета",
            **fields,
        }
        response = self.url_open("/website/form/crm.lead", data=data)
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_product_page_form_creates_a_lead_with_the_product(self):
        result = self._post_form(medcrm_product_ids=str(self.product_syringe.id))
        lead = self.env["crm.lead"].browse(result["id"])
        self.assertEqual(lead.medcrm_product_ids, self.product_syringe)
        self.assertEqual(lead.source_id, self.source_site_form)
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_website"))
        self.assertEqual((lead.contact_name, lead.partner_name), ("Васильева Елена", "Поликлиника № 3"))
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.user_manager, "given by the queue at once")

    def test_product_not_in_the_catalogue_is_refused_in_russian(self):
        self.product_mask.sale_ok = False
        before = self._lead_ids()
        result = self._post_form(medcrm_product_ids=f"{self.product_syringe.id},{self.product_mask.id}")
        self.assertIn("нет в каталоге", result["error"])
        self.assertFalse(self._new_leads(before))

    def test_link_of_a_mass_mailing_carries_its_campaign(self):
        campaign = self.env["utm.campaign"].create({"title": "Рассылка: тонометры"})
        mailing = self.env["mailing.mailing"].create(
            {"subject": "Тонометры со скидкой", "body_html": "<p>Скидка</p>", "campaign_id": campaign.id}
        )
        # The mailing's link (Odoo's link tracker) brings the visitor with utm parameters; Odoo keeps them
        # in cookies, which the form's lead then reads.
        query = urlencode({"utm_source": mailing.source_id.name, "utm_campaign": campaign.name})
        self.assertEqual(self.url_open(f"/contactus?{query}").status_code, 200)
        lead = self.env["crm.lead"].browse(self._post_form()["id"])
        self.assertEqual(lead.campaign_id, campaign)
        self.assertEqual(lead.source_id, self.source_mailing)


@tagged("post_install", "-at_install")
class TestIntakeCallback(IntakeHttpCase):
    """The public call-back request: validated, size-limited, rate-limited, signed, with a honeypot."""

    def _form_token(self, path="/medcrm/callback"):
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="medcrm_token" value="([^"]+)"', page.text).group(1)

    def _post(self, token=None, **fields):
        data = {"medcrm_token": token or self._form_token(), **fields}
        return self.url_open("/medcrm/callback", data=data)

    def test_call_back_request_becomes_a_lead(self):
        page = self.url_open(f"/medcrm/callback?product_id={self.product_syringe.id}")
        self.assertIn("Шприц 5 мл трёхкомпонентный", page.text)
        self.assertIn("Заказать обратный звонок", page.text, "the page speaks Russian")
        before = self._lead_ids()
        response = self._post(
            name="Захаров Михаил",
            phone="+7 (903) 111-22-33",
            comment="Интересуют цены от 1000 шт.",
            product_id=str(self.product_syringe.id),
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("перезвонит", response.text)
        lead = self._new_leads(before)
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.source_id, self.source_callback)
        self.assertEqual((lead.contact_name, lead.phone), ("Захаров Михаил", "+7 (903) 111-22-33"))
        self.assertEqual(lead.medcrm_product_ids, self.product_syringe)
        self.assertIn("Интересуют цены", lead.description)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.user_manager)
        self.assertEqual(lead.sudo().medcrm_request_ip, "127.0.0.1")

    def test_empty_form_is_refused_with_russian_errors(self):
        before = self._lead_ids()
        response = self._post(name="", phone="")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Укажите, пожалуйста, ваше имя", response.text)
        self.assertIn("Укажите, пожалуйста, номер телефона", response.text)
        self.assertFalse(self._new_leads(before))

    def test_bad_phone_and_oversized_fields_are_refused(self):
        before = self._lead_ids()
        response = self._post(name="Иван", phone="позвоните мне")
        self.assertEqual(response.status_code, 400)
        self.assertIn("только цифры", response.text)
        response = self._post(name="Иван", phone="12-34")
        self.assertIn("неполный", response.text)
        response = self._post(name="Я" * 101, phone="+7 903 111-22-33", comment="x" * 2001)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Имя слишком длинное", response.text)
        self.assertIn("Комментарий слишком длинный", response.text)
        self.assertFalse(self._new_leads(before))

    def test_oversized_request_body_is_refused(self):
        before = self._lead_ids()
        response = self._post(name="Иван", phone="+7 903 111-22-33", comment="x" * 9000)
        self.assertEqual(response.status_code, 413)
        self.assertIn("Запрос слишком большой", response.text)
        self.assertFalse(self._new_leads(before))

    def test_malicious_input_is_stored_and_shown_as_plain_text(self):
        before = self._lead_ids()
        response = self._post(name="<script>alert('x')</script>Иван", phone="")
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("<script>alert('x')", response.text, "what the visitor typed is shown back escaped")
        self.assertIn("&lt;script&gt;alert", response.text)
        response = self._post(
            name="<script>alert('x')</script>Иван\x00",
            phone="+7 903 111-22-33",
            comment='<img src=x onerror="alert(1)">Нужны маски',
        )
        self.assertEqual(response.status_code, 200)
        lead = self._new_leads(before)
        self.assertNotIn("<img", lead.description)
        self.assertIn("&lt;img", lead.description, "escaped, shown as text")
        self.assertNotIn("\x00", lead.contact_name)

    def test_forged_or_missing_token_is_refused(self):
        before = self._lead_ids()
        for token in ("", "1700000000.deadbeef", "not-a-token"):
            response = self.url_open(
                "/medcrm/callback", data={"medcrm_token": token, "name": "Бот", "phone": "+7 903 111-22-33"}
            )
            self.assertEqual(response.status_code, 403)
            self.assertIn("Форма устарела", response.text)
        self.assertFalse(self._new_leads(before))

    def test_robot_filling_the_honeypot_gets_no_lead(self):
        before = self._lead_ids()
        response = self._post(name="Бот", phone="+7 903 111-22-33", company_website="http://spam.example")
        self.assertEqual(response.status_code, 200, "the robot is not told")
        self.assertFalse(self._new_leads(before))

    def test_rate_limit_per_address(self):
        self.env["ir.config_parameter"].sudo().set_param("medcrm_leads.callback_rate_limit", 2)
        for index in range(2):
            self.assertEqual(self._post(name=f"Клиент {index}", phone="+7 903 111-22-33").status_code, 200)
        before = self._lead_ids()
        response = self._post(name="Клиент 3", phone="+7 903 111-22-33")
        self.assertEqual(response.status_code, 429)
        self.assertIn("Слишком много запросов", response.text)
        self.assertFalse(self._new_leads(before))


@tagged("post_install", "-at_install")
class TestIntakeMedbuyHttp(IntakeHttpCase):
    """Medbuy.ru forwards requests over HTTP with its token."""

    TOKEN = "medbuy-secret-7f3a"  # noqa: S105 - a test token

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("medcrm_leads.medbuy_token", self.TOKEN)

    def _post(self, payload, token=TOKEN, raw=None):
        return self.url_open(
            "/medcrm/medbuy/lead",
            data=raw if raw is not None else json.dumps(payload),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )

    def test_portal_request_becomes_a_lead(self):
        response = self._post(
            {
                "request_id": "48213",
                "organisation": "ГАУЗ РКБ МЗ РТ",
                "inn": "1655909960",
                "contact_name": "Гарипова Алсу",
                "phone": "+7 843 237-32-15",
                "email": "garipova@rkbrt.example",
                "products": "Перчатки нитриловые, 5 000 пар",
            }
        )
        self.assertEqual(response.status_code, 201)
        lead = self.env["crm.lead"].browse(response.json()["lead_id"])
        self.assertEqual(lead.source_id, self.source_medbuy)
        self.assertEqual(lead.name, "Medbuy.ru: Перчатки нитриловые, 5 000 пар")
        self.assertIn("48213", lead.description)
        self.assertEqual(lead.user_id, self.user_manager)

    def test_wrong_token_bad_json_missing_contact(self):
        before = self._lead_ids()
        self.assertEqual(self._post({"contact_name": "X", "phone": "1"}, token="wrong").status_code, 401)  # noqa: S106
        response = self._post(None, raw="{not json")
        self.assertEqual(response.status_code, 400)
        response = self._post({"organisation": "Без контакта"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("contact_name", response.json()["error"])
        self.assertFalse(self._new_leads(before))

    def test_closed_without_a_configured_token(self):
        self.env["ir.config_parameter"].sudo().set_param("medcrm_leads.medbuy_token", False)
        self.assertEqual(self._post({"contact_name": "X", "phone": "+7 900 000-00-00"}).status_code, 404)


@tagged("post_install", "-at_install")
class TestIntakeXmlrpc(IntakeHttpCase):
    """An integrator creates leads over Odoo's external API (XML-RPC)."""

    def setUp(self):
        super().setUp()
        self.integrator = self._new_user(
            "test_integrator", "Интеграция сайта", "sales_team.group_sale_salesman_all_leads"
        )
        self.integrator.password = "test_integrator"  # noqa: S105
        self.uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "test_integrator", "test_integrator", {})

    def _create(self, values):
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname,
            self.uid,
            "test_integrator",
            "crm.lead",
            "create",
            [values],
            {"context": {"lang": "ru_RU"}},
        )

    def test_integrator_creates_a_lead_given_by_the_queue(self):
        lead_id = self._create({"name": "Заявка из 1С-Битрикс", "source_id": self.source_site_form.id})
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.user_manager)

    def test_integrator_without_source_gets_a_russian_error_and_nothing_is_created(self):
        before = self._lead_ids()
        with self.assertRaises(xmlrpc.client.Fault) as capture:
            self._create({"name": "Без источника"})
        self.assertIn("Источник (канал) лида обязателен", capture.exception.faultString)
        self.assertFalse(self._new_leads(before))
        self.assertEqual(self.team.medcrm_rotation_turn, 0)


@tagged("post_install", "-at_install")
class TestIntakeLivechat(IntakeHttpCase):
    """A visitor chats on the site; the operator turns the chat into a lead (crm_livechat "/lead")."""

    def test_chat_becomes_a_lead_with_its_transcript(self):
        operator = self.user_manager_3
        self.env["bus.presence"].create({"user_id": operator.id, "status": "online"})
        livechat = self.env["im_livechat.channel"].create(
            {"name": "Чат на сайте", "user_ids": [Command.link(operator.id)]}
        )
        data = self.make_jsonrpc_request(
            "/im_livechat/get_session",
            {"anonymous_name": "Посетитель", "channel_id": livechat.id, "persisted": True},
        )
        channel = self.env["discuss.channel"].browse(data["discuss.channel"][0]["id"])
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "discuss.channel",
                "thread_id": channel.id,
                "post_data": {"body": "Здравствуйте! Нужны маски трёхслойные, 10 000 шт.", "message_type": "comment"},
            },
        )
        before = self._lead_ids()
        channel.with_user(operator).execute_command_lead(body="/lead Маски трёхслойные, оптом")
        lead = self._new_leads(before)
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.name, "Маски трёхслойные, оптом")
        self.assertEqual(lead.source_id, self.source_chat)
        self.assertIn("Нужны маски трёхслойные, 10 000 шт.", lead.description, "the transcript is on the lead")
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.user_manager, "the queue decides, not the operator")
