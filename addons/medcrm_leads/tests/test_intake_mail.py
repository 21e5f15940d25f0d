from email.charset import QP, Charset
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate

from odoo.tests import tagged

from .common import LeadsCase

PDF = b"%PDF-1.4\n% \xd0\xa0\xd0\xb5\xd0\xba\xd0\xb2\xd0\xb8\xd0\xb7\xd0\xb8\xd1\x82\xd1\x8b\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestIntakeMail(LeadsCase):
    """E-mail door: the team's alias (Odoo mail gateway), Medbuy.ru's alias, replies to a mass mailing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create(
            {"name": "medprom.example", "bounce_alias": "bounce", "catchall_alias": "catchall", "sequence": 1}
        )
        cls.env.company.alias_domain_id = cls.alias_domain
        cls.team.alias_id.write({"alias_name": "zayavki", "alias_domain_id": cls.alias_domain.id})
        cls.env.ref("medcrm_leads.mail_alias_medbuy").alias_domain_id = cls.alias_domain

    @staticmethod
    def _mail(
        to,
        subject,
        body,
        msg_id,
        sender=("Смолина Вера", "smolina@bint-co.example"),
        reply_to_id=None,
        attachment=None,
        charset="koi8-r",
    ):
        """A real RFC 822 message as Russian mail clients send it: subject in windows-1251 (RFC 2047),
        body in koi8-r quoted-printable, attachment name in UTF-8 (RFC 2231)."""
        message = MIMEMultipart("mixed")
        message["From"] = formataddr(sender, charset="utf-8")
        message["To"] = to
        message["Subject"] = Header(subject, "windows-1251").encode()
        message["Date"] = formatdate()
        message["Message-Id"] = msg_id
        if reply_to_id:
            message["In-Reply-To"] = reply_to_id
            message["References"] = reply_to_id
        body_charset = Charset(charset)
        body_charset.body_encoding = QP
        message.attach(MIMEText(body, "plain", body_charset))
        if attachment:
            name, content = attachment
            part = MIMEApplication(content, "pdf")
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
            message.attach(part)
        return message.as_bytes()

    def _process(self, raw):
        return self.env["mail.thread"].message_process(None, raw)

    def test_mail_to_the_team_alias_becomes_a_lead_and_replies_thread(self):
        raw = self._mail(
            "Заявки <zayavki@medprom.example>",
            "Запрос КП: шприцы 5 мл, 20 000 шт.",
            "Добрый день!\nПросим выставить коммерческое предложение на шприцы 5 мл.\nС уважением, Вера Смолина",
            "<kp-1@bint-co.example>",
            attachment=("Карточка предприятия.pdf", PDF),
        )
        lead = self.env["crm.lead"].browse(self._process(raw))
        self.assertEqual(lead.name, "Запрос КП: шприцы 5 мл, 20 000 шт.")
        self.assertEqual(lead.email_from, '"Смолина Вера" <smolina@bint-co.example>')
        self.assertEqual(lead.source_id, self.source_email)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.user_id, self.user_manager, "the queue gives it at once")
        self.assertEqual(lead.medcrm_handover_ids.reason, "round_robin")
        incoming = lead.message_ids.filtered(lambda message: message.message_id == "<kp-1@bint-co.example>")
        self.assertIn("коммерческое предложение на шприцы", incoming.body, "koi8-r quoted-printable decoded")
        self.assertEqual(incoming.attachment_ids.name, "Карточка предприятия.pdf")
        self.assertEqual(incoming.attachment_ids.raw, PDF)

        reply = self._mail(
            "zayavki@medprom.example",
            "Re: Запрос КП: шприцы 5 мл, 20 000 шт.",
            "Дополнение: нужна поставка до 1 марта.",
            "<kp-2@bint-co.example>",
            reply_to_id="<kp-1@bint-co.example>",
            charset="utf-8",
        )
        leads_before = self.env["crm.lead"].search_count([])
        self.assertEqual(self._process(reply), lead.id, "the reply threads onto the same lead")
        self.assertEqual(self.env["crm.lead"].search_count([]), leads_before)
        self.assertIn("поставка до 1 марта", lead.message_ids[0].body)
        self.assertEqual(self.team.medcrm_rotation_turn, 1, "a reply is no new interest: no turn served")

    def test_second_mail_goes_to_the_next_manager(self):
        first = self._process(self._mail("zayavki@medprom.example", "Перчатки", "Нужны перчатки", "<a-1@x.example>"))
        second = self._process(self._mail("zayavki@medprom.example", "Маски", "Нужны маски", "<a-2@y.example>"))
        leads = self.env["crm.lead"].browse([first, second])
        self.assertEqual(self._queue_users(leads), [self.user_manager, self.user_manager_2])

    def test_medbuy_requests_forwarded_by_mail(self):
        raw = self._mail(
            "medbuy@medprom.example",
            "Medbuy.ru: заявка № 48213 — перчатки нитриловые, 5 000 пар",
            "Организация: ГАУЗ РКБ\nКонтакт: Гарипова Алсу, +7 843 237-32-15",
            "<48213@medbuy.example>",
            sender=("Medbuy.ru", "robot@medbuy.example"),
        )
        lead = self.env["crm.lead"].browse(self._process(raw))
        self.assertEqual(lead.source_id, self.source_medbuy)
        self.assertEqual(lead.team_id, self.team, "the intake team")
        self.assertEqual(lead.user_id, self.user_manager)

    def test_reply_to_a_mass_mailing_carries_its_campaign(self):
        campaign = self.env["utm.campaign"].create({"title": "Весенняя рассылка: шприцы"})
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Новые шприцы собственного производства",
                "body_html": "<p>Новинка</p>",
                "campaign_id": campaign.id,
                "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                "reply_to_mode": "new",
                "reply_to": "zayavki@medprom.example",
            }
        )
        self.env["mailing.trace"].create(
            {
                "mass_mailing_id": mailing.id,
                "model": "res.partner",
                "res_id": self.user_manager.partner_id.id,
                "email": "zakupki@gb3.example",
                "message_id": "<mailing-7@medprom.example>",
            }
        )
        raw = self._mail(
            "zayavki@medprom.example",
            "Re: Новые шприцы собственного производства",
            "Интересно, пришлите цены.",
            "<reply-7@gb3.example>",
            sender=("Закупки ГБ № 3", "zakupki@gb3.example"),
            reply_to_id="<mailing-7@medprom.example>",
        )
        lead = self.env["crm.lead"].browse(self._process(raw))
        self.assertEqual(lead.campaign_id, campaign)
        self.assertEqual(lead.source_id, self.source_mailing, "the channel is «mailing», not the mailing's own source")
