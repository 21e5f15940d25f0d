from odoo.tests import tagged

from .common import PipelineCase


@tagged("post_install", "-at_install")
class TestPipelineTemplates(PipelineCase):
    """The pipeline's e-mails render in Russian, with the deal's own data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal, cls.order = cls._need_and_deal()
        cls.deal.lost_reason_id = cls.env.ref("medcrm_leads.lost_reason_price")
        cls.deal.medcrm_lost_comment = "Конкурент дешевле на 7 %"
        cls.deal.sudo().medcrm_flag_date = cls.deal.medcrm_stage_date
        cls.deal.sudo().medcrm_control_state = "overdue_activity"

    def _render(self, xmlid, record):
        template = self.env.ref(xmlid)
        subject = template._render_field("subject", record.ids)[record.id]
        body = template._render_field("body_html", record.ids)[record.id]
        lang = template._render_lang(record.ids)[record.id]
        return subject, str(body), lang

    def test_document_package(self):
        subject, body, lang = self._render("medcrm_leads.mail_template_document_package", self.order)
        self.assertEqual(lang, "ru_RU")
        self.assertEqual(subject, f"Счёт и договор по заказу {self.order.name} ({self.deal.medcrm_need_number})")
        self.assertIn("Здравствуйте, ГБУЗ «Городская больница № 7»", body)
        self.assertIn("счёт на оплату (100 % предоплата)", body)
        self.assertIn("Менеджерова Анна", body)

    def test_service_quality(self):
        self.deal.sudo().email_from = "lebedeva@gb7.example"
        self.deal._medcrm_send_survey_mail(
            "medcrm_leads.survey_service_quality",
            "medcrm_leads.mail_template_service_quality",
            "medcrm_quality_answer_id",
        )
        subject, body, lang = self._render("medcrm_leads.mail_template_service_quality", self.deal)
        self.assertEqual(lang, "ru_RU")
        self.assertIn("Оцените нашу работу", subject)
        self.assertIn("завершена: все товары поставлены", body)
        self.assertIn(self.deal.medcrm_quality_answer_id.access_token, body)

    def test_escalation_and_loss_notices(self):
        subject, body, lang = self._render("medcrm_leads.mail_template_deal_escalation", self.deal)
        self.assertEqual(lang, "ru_RU")
        self.assertEqual(subject, f"Сделка без контроля: {self.deal.name}")
        self.assertIn("просрочено запланированное действие", body)
        self.assertIn("Выявление потребности", body)
        subject, body, _lang = self._render("medcrm_leads.mail_template_deal_lost", self.deal)
        self.assertEqual(subject, f"Сделка проиграна: {self.deal.name}")
        self.assertIn("Цена выше, чем у конкурентов", body)
        self.assertIn("Конкурент дешевле на 7 %", body)

    def test_stage_names_are_russian(self):
        self.assertEqual(
            [self.stage[code].name for code in ("need", "offer", "negotiation", "documents", "payment")],
            [
                "Выявление потребности",
                "Коммерческое предложение",
                "Согласование",
                "Документы отправлены",
                "Ожидание оплаты",
            ],
        )
        self.assertEqual(
            [self.stage[code].name for code in ("provisioning", "shipment", "buyer_documents", "closed")],
            ["Обеспечение", "Отгрузка товара", "Получение документов", "Закрыта"],
        )
        self.assertFalse(self.env.ref("crm.stage_lead1", raise_if_not_found=False), "Odoo's stages are retired")
