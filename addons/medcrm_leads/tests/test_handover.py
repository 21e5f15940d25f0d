from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import LeadsCase


@tagged("post_install", "-at_install")
class TestHandover(LeadsCase):
    """The lead card tells who handled the lead first and every hand-over after: from, to, who, when, why."""

    def test_first_head_then_manager(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_head)
            .create({"name": "Письмо руководителю", "source_id": self.source_email.id})
        )
        self.assertEqual(lead.user_id, self.user_head, "the head is a team's leader: he keeps what he creates")
        wizard = (
            self.env["medcrm.lead.handover.wizard"]
            .with_user(self.user_head)
            .create({"lead_ids": [(6, 0, lead.ids)], "user_id": self.user_manager.id, "note": "Клиент её региона"})
        )
        wizard.action_handover()
        self.assertEqual(lead.user_id, self.user_manager)
        self.assertEqual(lead.medcrm_first_user_id, self.user_head, "the first handler stays the head")
        history = lead.medcrm_handover_ids.sorted("id")
        self.assertEqual(
            [(h.from_user_id, h.to_user_id, h.author_id, h.reason, h.note) for h in history],
            [
                (self.env["res.users"], self.user_head, self.user_head, "created", False),
                (self.user_head, self.user_manager, self.user_head, "manual", "Клиент её региона"),
            ],
        )
        self.assertTrue(all(h.date for h in history))
        self.assertEqual(lead.medcrm_handover_count, 2)

    def test_every_reassignment_is_logged_even_a_plain_edit(self):
        lead = self.env["crm.lead"].create(self._incoming_lead_values())
        self.assertEqual(lead.user_id, self.user_manager)
        lead.with_user(self.user_head).user_id = self.user_manager_3
        lead.with_user(self.user_head).user_id = False
        history = lead.medcrm_handover_ids.sorted("id")
        self.assertEqual(history.mapped("reason"), ["round_robin", "manual", "manual"])
        self.assertEqual(history[1].from_user_id, self.user_manager)
        self.assertEqual(history[2].from_user_id, self.user_manager_3)
        self.assertFalse(history[2].to_user_id)
        self.assertEqual(lead.medcrm_first_user_id, self.user_manager)

    def test_writing_the_same_salesperson_logs_nothing(self):
        lead = self.env["crm.lead"].create(self._incoming_lead_values())
        lead.write({"user_id": lead.user_id.id, "priority": "2"})
        self.assertEqual(len(lead.medcrm_handover_ids), 1)

    def test_history_is_read_only_and_visible_like_its_lead(self):
        lead = self.env["crm.lead"].create(self._incoming_lead_values())  # to Анна
        other = self.env["crm.lead"].create(self._incoming_lead_values("Чужой"))  # to Олег
        Handover = self.env["medcrm.lead.handover"]
        self.assertEqual(
            Handover.with_user(self.user_manager).search([("lead_id", "in", (lead | other).ids)]).lead_id, lead
        )
        self.assertEqual(
            Handover.with_user(self.user_head).search([("lead_id", "in", (lead | other).ids)]).lead_id, lead | other
        )
        with self.assertRaises(AccessError):
            lead.medcrm_handover_ids.with_user(self.user_head).write({"note": "подправить историю"})
        with self.assertRaises(AccessError):
            Handover.with_user(self.user_head).create({"lead_id": lead.id, "reason": "manual"})

    def test_form_shows_the_history(self):
        arch = self.env["crm.lead"].get_view(self.env.ref("crm.crm_lead_view_form").id)["arch"]
        for field in ("medcrm_first_user_id", "medcrm_handover_ids", "medcrm_product_ids", "source_id", "campaign_id"):
            self.assertIn(f'name="{field}"', arch)
