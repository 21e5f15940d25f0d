from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import PipelineCase


@tagged("post_install", "-at_install")
class TestDealLoss(PipelineCase):
    """Step 14 and business problem 3: a deal is never dropped silently."""

    def setUp(self):
        super().setUp()
        self.deal, self.order = self._need_and_deal()
        self.deal.sudo().email_from = "lebedeva@gb7.example"
        self.deal_as_manager = self.deal.with_user(self.user_manager)
        self.reason = self.env.ref("medcrm_leads.lost_reason_other_supplier")

    def _lost_wizard(self, **values):
        """The «Lost» button of the deal form: crm's wizard, opened by the manager."""
        return (
            self.env["crm.lead.lost"]
            .with_user(self.user_manager)
            .with_context(default_lead_ids=self.deal.ids)
            .create(values)
        )

    def _head_notices(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", self.deal.id),
                ("partner_ids", "in", self.user_head.partner_id.ids),
            ]
        )

    def test_loss_without_reason_or_comment_refused(self):
        with self.assertRaisesMessage(UserError, r"Выберите причину"):
            self._lost_wizard(lost_feedback="<p>Клиент передумал</p>").action_lost_reason_apply()
        with self.assertRaisesMessage(UserError, r"Напишите комментарий"):
            self._lost_wizard(lost_reason_id=self.reason.id).action_lost_reason_apply()
        with self.assertRaisesMessage(UserError, r"Напишите комментарий"):
            self.deal_as_manager.action_set_lost(lost_reason_id=self.reason.id)
        self.assertTrue(self.deal.active)
        self.assertFalse(self.deal.lost_reason_id)
        self.assertFalse(self._head_notices())

    def test_loss_with_reason_notifies_head_and_says_farewell(self):
        self._lost_wizard(
            lost_reason_id=self.reason.id, lost_feedback="<p>Выбрали поставщика с ценой ниже на 12 %</p>"
        ).action_lost_reason_apply()
        self.assertFalse(self.deal.active)
        self.assertEqual(self.deal.lost_reason_id, self.reason)
        self.assertEqual(self.deal.medcrm_lost_comment, "Выбрали поставщика с ценой ниже на 12 %")
        notice = self._head_notices()
        self.assertEqual(len(notice), 1)
        self.assertIn("Сделка проиграна", notice.subject)
        self.assertIn("Выбран другой поставщик", notice.body)
        self.assertIn("ниже на 12 %", notice.body)
        answer = self.deal.medcrm_farewell_answer_id
        self.assertEqual(answer.survey_id, self.env.ref("medcrm_leads.survey_farewell"))
        farewell = self.env["mail.mail"].search(
            [("model", "=", "crm.lead"), ("res_id", "=", self.deal.id), ("body_html", "ilike", answer.access_token)]
        )
        self.assertEqual(len(farewell), 1)
        # the timeline is closed at the loss
        self.assertTrue(all(self.deal.medcrm_stage_history_ids.mapped("date_out")))

    def test_manager_cannot_archive_or_delete_a_deal(self):
        with self.assertRaisesMessage(UserError, r"не может архивировать"):
            self.deal_as_manager.action_archive()
        # crm lets only its administrators (the head) delete; should a manager get the right, the deal still refuses
        with self.assertRaises(AccessError):
            self.deal_as_manager.unlink()
        with self.assertRaisesMessage(UserError, r"не может удалить"):
            self.deal_as_manager._unlink_except_deal_by_manager()
        self.assertTrue(self.deal.exists())
        self.assertTrue(self.deal.active)

    def test_head_may_archive_and_delete(self):
        self.deal.with_user(self.user_head).action_archive()
        self.assertFalse(self.deal.active)
        self.deal.with_user(self.user_head).unlink()
        self.assertFalse(self.deal.exists())

    def test_lost_reasons_list_edited_by_the_head_only(self):
        Reason = self.env["crm.lost.reason"]
        Reason.with_user(self.user_head).create({"name": "Клиент закрылся"})
        with self.assertRaises(AccessError):
            Reason.with_user(self.user_manager).create({"name": "Не хочу объяснять"})
        form = Form(self._lost_wizard())
        form.lost_reason_id = self.reason
        self.assertEqual(form.lost_reason_id, self.reason)
