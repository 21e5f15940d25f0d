from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import LeadsCase


@tagged("post_install", "-at_install")
class TestQualification(LeadsCase):
    """Steps 4-6: is the interest real? No: lost, farewell e-mail with a survey. Yes: requisites request."""

    def setUp(self):
        super().setUp()
        self.lead = self.env["crm.lead"].create(
            self._incoming_lead_values(
                "Запрос цен на маски",
                contact_name="Кротов Илья",
                email_from="krotov@clinic-zdorovie.example",
                type="lead",
            )
        )
        self.lead_as_manager = self.lead.with_user(self.user_manager)

    def _sent_mails(self, lead):
        return self.env["mail.mail"].sudo().search([("model", "=", "crm.lead"), ("res_id", "=", lead.id)])

    def test_no_real_interest_lost_with_reason_and_farewell_survey(self):
        action = self.lead_as_manager.action_medcrm_no_interest()
        self.assertEqual(action["res_model"], "crm.lead.lost")
        lost_form = Form(self.env["crm.lead.lost"].with_user(self.user_manager).with_context(**action["context"]))
        self.assertEqual(lost_form.lost_reason_id, self.env.ref("medcrm_leads.lost_reason_no_real_interest"))
        self.assertTrue(lost_form.medcrm_send_farewell)
        lost_form.save().action_lost_reason_apply()

        self.assertFalse(self.lead.active, "the lead is closed")
        self.assertEqual(self.lead.type, "lead", "it stays a lead")
        self.assertEqual(self.lead.lost_reason_id.name, "Нет реального интереса")
        answer = self.lead.medcrm_farewell_answer_id
        self.assertEqual(answer.survey_id, self.env.ref("medcrm_leads.survey_farewell"))
        self.assertEqual(answer.email, "krotov@clinic-zdorovie.example")
        mails = self._sent_mails(self.lead).filtered(lambda mail: mail.email_to == "krotov@clinic-zdorovie.example")
        self.assertEqual(len(mails), 1)
        self.assertIn(answer.access_token, mails.body_html, "the e-mail carries the personal survey link")
        self.assertIn("Спасибо за обращение", mails.subject)
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "krotov@clinic-zdorovie.example")]),
            "no partner is made for somebody who is not a client",
        )

    def test_no_real_interest_without_email_still_closes(self):
        self.lead.email_from = False
        action = self.lead_as_manager.action_medcrm_no_interest()
        self.env["crm.lead.lost"].with_user(self.user_manager).with_context(**action["context"]).create(
            {}
        ).action_lost_reason_apply()
        self.assertFalse(self.lead.active)
        self.assertFalse(self._sent_mails(self.lead).filtered("email_to"))
        self.assertFalse(self.lead.medcrm_farewell_answer_id)

    def test_real_interest_requisites_request_and_opportunity(self):
        self.lead_as_manager.action_medcrm_interest()
        self.assertEqual(self.lead.type, "opportunity")
        self.assertEqual(self.lead.user_id, self.user_manager, "the manager keeps his deal")
        self.assertTrue(self.lead.active)
        [mail] = self._sent_mails(self.lead).filtered(lambda mail: mail.email_to == "krotov@clinic-zdorovie.example")
        self.assertIn("Реквизиты", mail.subject)
        self.assertIn("ИНН и КПП", mail.body_html)
        self.assertIn("Кротов Илья", mail.body_html)
        self.assertIn("krotov@clinic-zdorovie.example", self.lead.message_ids[0].body, "noted in the chatter")

    def test_real_interest_needs_an_email(self):
        self.lead.email_from = False
        with self.assertRaisesMessage(UserError, "e-mail"):
            self.lead_as_manager.with_context(lang="ru_RU").action_medcrm_interest()
        self.assertEqual(self.lead.type, "lead", "nothing half-done")

    def test_farewell_survey_is_russian_data(self):
        survey = self.env.ref("medcrm_leads.survey_farewell")
        self.assertEqual(survey.access_mode, "token")
        self.assertGreaterEqual(len(survey.question_ids), 4)
        self.assertTrue(all("а" in q.title or "о" in q.title for q in survey.question_ids), "questions in Russian")
