import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import PipelineCase


@tagged("post_install", "-at_install")
class TestDealControl(PipelineCase):
    """The daily control: a deal without a planned step, with an overdue one, or idle too long is flagged, its
    manager reminded, the sales head notified after the escalation delay; re-runs change nothing."""

    def setUp(self):
        super().setUp()
        self.reminder_type = self.env.ref("medcrm_leads.mail_activity_type_deal_control")
        self.deal = self.env["crm.lead"].create(
            {
                "name": "Поставка тонометров в ГБ № 7",
                "type": "opportunity",
                "partner_id": self.hospital.id,
                "user_id": self.user_manager.id,
                "team_id": self.team.id,
                "source_id": self.source_email.id,
            }
        )
        self.assertEqual(self.deal.stage_id, self.stage["need"])
        self.start = self.deal.medcrm_stage_date

    def _run_cron(self, days):
        with freeze_time(self.start + datetime.timedelta(days=days)):
            self.env["crm.lead"]._medcrm_cron_control_deals()

    def _reminders(self):
        return self.deal.activity_ids.filtered(lambda activity: activity.activity_type_id == self.reminder_type)

    def _escalations(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", self.deal.id),
                ("partner_ids", "in", self.user_head.partner_id.ids),
            ]
        )

    def test_deal_without_activity_flagged_reminded_escalated_once(self):
        self.assertFalse(self.deal.medcrm_flagged, "not yet controlled: the cron has not run")
        self._run_cron(0.1)
        self.assertTrue(self.deal.medcrm_flagged)
        self.assertEqual(self.deal.medcrm_control_state, "no_activity")
        flag_date = self.deal.medcrm_flag_date
        self.assertTrue(flag_date)
        reminder = self._reminders()
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.user_id, self.user_manager)
        self.assertIn("Не запланировано следующее действие", reminder.with_context(lang="ru_RU").summary)
        self.assertFalse(self.deal.medcrm_escalation_date)
        self.assertFalse(self._escalations())

        # the next day: still flagged, no second reminder, not yet escalated (the stage waits 3 days)
        self._run_cron(1.1)
        self.assertEqual(self._reminders(), reminder)
        self.assertEqual(self.deal.medcrm_flag_date, flag_date)
        self.assertFalse(self._escalations())

        # after the escalation delay the sales head (leader of the team) is notified, once
        self._run_cron(3.2)
        escalation = self._escalations()
        self.assertEqual(len(escalation), 1)
        self.assertIn("Сделка без контроля", escalation.subject)
        self.assertIn("Менеджерова Анна", escalation.body)
        self.assertIn("не запланировано следующее действие", escalation.body)
        self.assertTrue(self.deal.medcrm_escalation_date)
        self._run_cron(4.2)
        self._run_cron(4.3)
        self.assertEqual(self._escalations(), escalation, "no duplicate escalation")
        self.assertEqual(self._reminders(), reminder, "no duplicate reminder")

        # the manager plans a call: the flag and the reminder are gone at once
        self.deal.with_user(self.user_manager).activity_schedule(
            "mail.mail_activity_data_call", date_deadline=fields.Date.today() + datetime.timedelta(days=1)
        )
        self.assertFalse(self.deal.medcrm_flagged)
        self.assertEqual(self.deal.medcrm_control_state, "ok")
        self.assertFalse(self.deal.medcrm_flag_date)
        self.assertFalse(self.deal.medcrm_escalation_date)
        self.assertFalse(self._reminders())

    def test_overdue_activity_flagged(self):
        call = self.deal.with_user(self.user_manager).activity_schedule(
            "mail.mail_activity_data_call", date_deadline=fields.Date.today() + datetime.timedelta(days=2)
        )
        self._run_cron(1)
        self.assertFalse(self.deal.medcrm_flagged)
        self.assertFalse(self._reminders())
        self._run_cron(4)
        self.assertTrue(self.deal.medcrm_flagged)
        self.assertEqual(self.deal.medcrm_control_state, "overdue_activity")
        self.assertEqual(len(self._reminders()), 1)
        # the call is done: no planned step left → flagged for that reason now, the reminder stays single
        with freeze_time(self.start + datetime.timedelta(days=4)):
            call.action_feedback(feedback="Клиент ждёт КП до пятницы")
        self.assertEqual(self.deal.medcrm_control_state, "no_activity")
        self.assertEqual(len(self._reminders()), 1)

    def test_idle_in_stage_flagged_with_a_planned_activity(self):
        self.stage["need"].medcrm_max_idle_days = 5
        self.deal.with_user(self.user_manager).activity_schedule(
            "mail.mail_activity_data_meeting", date_deadline=fields.Date.today() + datetime.timedelta(days=30)
        )
        self._run_cron(4)
        self.assertFalse(self.deal.medcrm_flagged)
        self._run_cron(6)
        self.assertTrue(self.deal.medcrm_flagged)
        self.assertEqual(self.deal.medcrm_control_state, "idle")
        self.assertIn("дольше 5", self._reminders().note)
        # the stage history is brought up to date by the cron
        self.assertAlmostEqual(self.deal.medcrm_stage_history_ids.duration_days, 6, delta=0.01)

    def test_closed_and_lost_deals_are_not_controlled(self):
        lost = self.deal.copy({"name": "Проигранная сделка"})
        lost.write({"lost_reason_id": self.env.ref("medcrm_leads.lost_reason_price").id})
        lost.with_user(self.user_head).action_set_lost(medcrm_lost_comment="Дорого")
        lead = self.env["crm.lead"].create(
            self._incoming_lead_values(type="lead", user_id=self.user_manager.id, name="Просто лид")
        )
        self._run_cron(30)
        self.assertTrue(self.deal.medcrm_flagged)
        self.assertFalse(lost.medcrm_flagged)
        self.assertFalse(lead.medcrm_flagged)
        self.assertFalse(lost.activity_ids | lead.activity_ids)

    def test_cron_query_budget_per_run_without_news(self):
        """A re-run that finds nothing new reads the open deals and their activities in batches, writes
        nothing but the durations of the current stages: a constant number of queries, whatever the deals."""
        self._run_cron(0.1)
        self._run_cron(3.2)
        self.env.invalidate_all()
        with freeze_time(self.start + datetime.timedelta(days=3.2)), self.assertQueryCount(__system__=10):
            self.env["crm.lead"]._medcrm_cron_control_deals()
        self.assertEqual(len(self._reminders()), 1)
        self.assertEqual(len(self._escalations()), 1)

    def test_flag_shown_in_kanban_list_and_form(self):
        self._run_cron(0.1)
        views = (
            self.env["crm.lead"]
            .with_user(self.user_manager)
            .get_views([(False, "kanban"), (False, "list"), (False, "form"), (False, "search")])["views"]
        )
        for view_type in ("kanban", "list", "form"):
            self.assertIn('name="medcrm_control_state"', views[view_type]["arch"], view_type)
        self.assertIn('name="medcrm_stage_date"', views["list"]["arch"])
        self.assertIn('name="medcrm_stage_history_ids"', views["form"]["arch"])
        self.assertIn('name="medcrm_flagged"', views["search"]["arch"])
        flagged = self.env["crm.lead"].with_user(self.user_manager).search([("medcrm_flagged", "=", True)])
        self.assertIn(self.deal, flagged, "the «Out of control» filter finds the deal")
