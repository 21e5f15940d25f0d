from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import LeadsCase


@tagged("post_install", "-at_install")
class TestRoundRobin(LeadsCase):
    """New leads go at once, in turn, to the next available manager of the team's ordered queue."""

    def _create_incoming(self, count, **values):
        Lead = self.env["crm.lead"].with_context(mail_auto_subscribe_no_notify=True)
        return Lead.concat(
            *(Lead.create(self._incoming_lead_values(f"Интерес {index}", **values)) for index in range(count))
        )

    def test_leads_follow_the_queue_order_and_go_round(self):
        leads = self._create_incoming(7)
        m1, m2, m3 = self.user_manager, self.user_manager_2, self.user_manager_3
        self.assertEqual(self._queue_users(leads), [m1, m2, m3, m1, m2, m3, m1])
        self.assertEqual(leads.medcrm_handover_ids.sorted("turn").mapped("turn"), list(range(1, 8)))
        self.assertEqual(set(leads.medcrm_handover_ids.mapped("reason")), {"round_robin"})
        self.assertEqual(self.team.medcrm_rotation_turn, 7)
        self.assertEqual(self.team.medcrm_rotation_member_id, self.member_1)
        self.assertEqual(self.team.medcrm_next_member_id, self.member_2)
        self.assertTrue(all(lead.date_open for lead in leads), "an assigned lead has its assignment date")

    def test_a_batch_is_distributed_like_single_leads(self):
        leads = self.env["crm.lead"].create([self._incoming_lead_values(f"Посетитель {i}") for i in range(5)])
        m1, m2, m3 = self.user_manager, self.user_manager_2, self.user_manager_3
        self.assertEqual(self._queue_users(leads), [m1, m2, m3, m1, m2])
        self.assertEqual(leads.mapped("medcrm_first_user_id"), m1 | m2 | m3)

    def test_head_reorders_the_queue(self):
        self._create_incoming(1)  # Анна served
        self.member_3.medcrm_sequence = 5  # Ирина becomes first, Анна second, Олег third
        leads = self._create_incoming(4)
        self.assertEqual(
            self._queue_users(leads), [self.user_manager_2, self.user_manager_3, self.user_manager, self.user_manager_2]
        )

    def test_unavailable_managers_are_skipped(self):
        today = fields.Date.context_today(self.member_2)
        self.member_2.write(
            {"medcrm_unavailable_from": today - timedelta(days=2), "medcrm_unavailable_to": today + timedelta(days=5)}
        )
        self.member_3.assignment_optout = True
        self.assertFalse(self.member_2.medcrm_is_available)
        leads = self._create_incoming(3)
        self.assertEqual(self._queue_users(leads), [self.user_manager] * 3)

    def test_past_or_future_absence_does_not_skip(self):
        today = fields.Date.context_today(self.member_2)
        self.member_2.write(
            {"medcrm_unavailable_from": today - timedelta(days=10), "medcrm_unavailable_to": today - timedelta(days=1)}
        )
        self.member_3.write({"medcrm_unavailable_from": today + timedelta(days=1), "medcrm_unavailable_to": False})
        leads = self._create_incoming(3)
        self.assertEqual(self._queue_users(leads), [self.user_manager, self.user_manager_2, self.user_manager_3])

    def test_archived_member_and_archived_user_are_skipped(self):
        self.member_1.active = False
        self.user_manager_2.active = False
        leads = self._create_incoming(2)
        self.assertEqual(self._queue_users(leads), [self.user_manager_3, self.user_manager_3])

    def test_cap_of_open_leads_is_respected(self):
        self.member_1.medcrm_open_lead_max = 1
        self.env["crm.lead"].create(
            {
                "name": "Уже в работе",
                "source_id": self.source_call.id,
                "user_id": self.user_manager.id,
                "team_id": self.team.id,
            }
        )
        self.assertEqual(self.member_1.medcrm_open_lead_count, 1)
        leads = self._create_incoming(4)
        self.assertNotIn(self.user_manager, leads.user_id, "Анна is at her cap")
        self.assertEqual(self._queue_users(leads), [self.user_manager_2, self.user_manager_3] * 2)

    def test_won_and_lost_leads_do_not_count_in_the_cap(self):
        self.member_1.medcrm_open_lead_max = 1
        done = self.env["crm.lead"].create(
            {
                "name": "Проиграна",
                "source_id": self.source_call.id,
                "user_id": self.user_manager.id,
                "team_id": self.team.id,
            }
        )
        done.action_set_lost(
            lost_reason_id=self.env.ref("medcrm_leads.lost_reason_price").id, medcrm_lost_comment="Дорого"
        )
        self.assertEqual(self.member_1.medcrm_open_lead_count, 0)
        self.assertEqual(self._create_incoming(1).user_id, self.user_manager)

    def test_nobody_available_the_head_gets_it_with_an_activity(self):
        (self.member_1 | self.member_2 | self.member_3).write({"assignment_optout": True})
        turn_before = self.team.medcrm_rotation_turn
        lead = self._create_incoming(1)
        self.assertEqual(lead.user_id, self.user_head)
        self.assertEqual(lead.medcrm_handover_ids.reason, "head_fallback")
        self.assertEqual(lead.medcrm_handover_ids.turn, 0)
        self.assertEqual(self.team.medcrm_rotation_turn, turn_before, "no turn of the queue is consumed")
        activity = lead.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_head)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))

    def test_lead_with_a_salesperson_keeps_him_and_does_not_use_a_turn(self):
        lead = self.env["crm.lead"].create(self._incoming_lead_values(user_id=self.user_manager_3.id))
        self.assertEqual(lead.user_id, self.user_manager_3)
        self.assertEqual(lead.medcrm_handover_ids.reason, "created")
        self.assertEqual(self.team.medcrm_rotation_turn, 0)
        self.assertEqual(self._create_incoming(1).user_id, self.user_manager, "the queue starts at its head")

    def test_salesperson_creating_a_lead_keeps_it_an_outsider_does_not(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_manager_2)
            .create({"name": "Мой звонок", "source_id": self.source_call.id})
        )
        self.assertEqual(lead.user_id, self.user_manager_2)
        integrator = self._new_user("test_integrator", "Интегратор", "sales_team.group_sale_salesman_all_leads")
        lead = (
            self.env["crm.lead"]
            .with_user(integrator)
            .create({"name": "Из портала", "source_id": self.source_medbuy.id})
        )
        self.assertEqual(lead.team_id, self.team, "no team given: the intake team")
        self.assertEqual(lead.user_id, self.user_manager, "an integrator is no salesperson: the queue decides")
        outsider = self._new_user("test_outsider", "Продавец вне отдела", "sales_team.group_sale_salesman")
        lead = self.env["crm.lead"].with_user(outsider).create({"name": "Сам нашёл", "source_id": self.source_call.id})
        self.assertEqual(lead.user_id, outsider, "who sees only his own leads keeps the leads he creates")

    def test_assignment_can_be_skipped_for_leads_of_the_past(self):
        lead = self.env["crm.lead"].with_context(medcrm_skip_assignment=True).create(self._incoming_lead_values())
        self.assertFalse(lead.user_id)
        self.assertEqual(self.team.medcrm_rotation_turn, 0)

    def test_odoo_rule_based_assignment_keeps_working(self):
        # Odoo's own rules: a domain on the team (other unassigned leads of the database stay out), a capacity.
        self.team.write({"medcrm_assignment_mode": "rules", "assignment_domain": "[('name', 'like', 'Интерес')]"})
        self.member_1.write({"assignment_max": 300, "assignment_domain": False})
        (self.member_2 | self.member_3).write({"assignment_optout": True})
        lead = self._create_incoming(1, type="lead")
        self.assertFalse(lead.user_id, "rules mode: the lead waits for Odoo's assignment")
        self.team.with_user(self.user_head).action_assign_leads()
        self.assertEqual(lead.user_id, self.user_manager)
        self.assertEqual(lead.type, "opportunity", "Odoo's assignment converts, as usual")
        self.assertEqual(lead.medcrm_handover_ids.reason, "rule")
        self.assertEqual(lead.medcrm_first_user_id, self.user_manager)

    def test_waiting_leads_of_a_round_robin_team_are_served_by_the_assignment(self):
        self.team.user_id = False
        (self.member_1 | self.member_2 | self.member_3).write({"assignment_optout": True})
        waiting = self._create_incoming(2)
        self.assertFalse(waiting.user_id, "nobody and no head: the leads wait")
        (self.member_1 | self.member_2).write({"assignment_optout": False})
        self.team.with_user(self.user_head).action_assign_leads()
        self.assertEqual(self._queue_users(waiting), [self.user_manager, self.user_manager_2])
        self.assertEqual(set(waiting.medcrm_handover_ids.mapped("reason")), {"round_robin"})

    def test_assignment_query_budget(self):
        Lead = self.env["crm.lead"].with_context(mail_auto_subscribe_no_notify=True, mail_create_nolog=True)
        Lead.create(self._incoming_lead_values("Разогрев"))  # caches warm
        self.env.invalidate_all()
        # 27 with the first row of the deal's stage timeline (medcrm.lead.stage.history)
        with self.assertQueryCount(__system__=27):
            Lead.create(self._incoming_lead_values("Запрос с ответственным", user_id=self.user_manager_3.id))
        self.env.invalidate_all()
        # The queue's turn costs 9 queries more: lock and read the pointer, the members and their users,
        # the last served, the pointer update.
        with self.assertQueryCount(__system__=36):
            Lead.create(self._incoming_lead_values("Запрос в очередь"))
