from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import PipelineCase


@tagged("post_install", "-at_install")
class TestPipelineAccess(PipelineCase):
    """A manager sees his own deals and their timeline; the sales head sees all."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deal_1, cls.order_1 = cls._need_and_deal(user=cls.user_manager)
        cls.deal_2, cls.order_2 = cls._need_and_deal(user=cls.user_manager_2)

    def _visible_deals(self, user):
        return self.env["crm.lead"].with_user(user).search([("id", "in", (self.deal_1 | self.deal_2).ids)])

    def test_manager_sees_own_deals_only(self):
        self.assertEqual(self._visible_deals(self.user_manager), self.deal_1)
        self.assertEqual(self._visible_deals(self.user_manager_2), self.deal_2)
        with self.assertRaises(AccessError):
            self.deal_2.with_user(self.user_manager).read(["name"])

    def test_head_sees_all_deals(self):
        self.assertEqual(self._visible_deals(self.user_head), self.deal_1 | self.deal_2)

    def test_stage_history_follows_the_deal(self):
        History = self.env["medcrm.lead.stage.history"]
        rows = History.search([("lead_id", "in", (self.deal_1 | self.deal_2).ids)])
        self.assertEqual(len(rows), 2)
        self.assertEqual(History.with_user(self.user_manager).search([("id", "in", rows.ids)]).lead_id, self.deal_1)
        self.assertEqual(History.with_user(self.user_head).search([("id", "in", rows.ids)]), rows)
        with self.assertRaises(AccessError):
            History.with_user(self.user_manager).create(
                {"lead_id": self.deal_1.id, "stage_id": self.stage["closed"].id}
            )
        with self.assertRaises(AccessError):
            rows.with_user(self.user_head).write({"date_out": False})

    def test_manager_cannot_post_a_fact_of_accounting_on_another_managers_order(self):
        self.order_2.sudo().action_confirm()
        with self.assertRaises(AccessError):
            self.order_2.with_user(self.user_manager).medcrm_register_accounting_event("paid")
        self.assertFalse(self.order_2.medcrm_paid_date)
