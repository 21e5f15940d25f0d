from odoo.tests import tagged

from .common import MedcrmDepartmentCase

MEASURES = [
    "nbr_received:sum",
    "nbr_processed:sum",
    "nbr_unanswered:sum",
    "response_hours:avg",
    "nbr_deals:sum",
    "nbr_open:sum",
    "nbr_won:sum",
    "nbr_lost:sum",
    "rate_win:avg",
    "amount_open:sum",
    "amount_won:sum",
    "average_deal:avg",
    "cycle_days:avg",
    "revenue:sum",
    "nbr_orders:sum",
    "nbr_new_partners:sum",
    "nbr_overdue_activities:sum",
]


@tagged("post_install", "-at_install")
class TestReportManager(MedcrmDepartmentCase):
    def _figures(self, user=None, groupby=("user_id",)):
        return self._totals(
            "medcrm.report.manager", self.month_domain, user=user, groupby=list(groupby), fields=MEASURES
        )

    def test_first_response_is_recorded_from_the_chatter(self):
        lead = self._lead(self.user_manager, "Интерес для ответа")
        lead.write({"user_id": self.user_manager_2.id})
        lead.with_user(self.user_manager_2).message_post(
            body="Здравствуйте!", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        message = lead.message_ids.filtered(lambda m: m.author_id == self.user_manager_2.partner_id)
        received = lead.medcrm_handover_ids.filtered(lambda h: h.to_user_id == self.user_manager_2)
        self.assertEqual(received.medcrm_response_date, message.date)
        first = lead.medcrm_handover_ids.filtered(lambda h: h.to_user_id == self.user_manager)
        self.assertFalse(first.medcrm_response_date, "the first receiver never answered")
        self._set_sql(received, medcrm_response_date=self._day(-1))
        lead.with_user(self.user_manager_2).message_post(body="Ещё раз", message_type="comment")
        received.invalidate_recordset()
        self.assertEqual(received.medcrm_response_date, self._day(-1), "only the first response counts")

    def test_manager_side_by_side(self):
        by_user = self._figures()
        m1 = by_user[self.user_manager.id]
        self.assertEqual(
            {key: m1[key] for key in MEASURES_EXACT},
            {
                "nbr_received": 6,  # L1 and d4 were his before they were reassigned
                "nbr_processed": 4,  # d1, d2, d3, d5: still his and qualified or closed
                "nbr_unanswered": 6,
                "nbr_deals": 4,
                "nbr_open": 1,
                "nbr_won": 2,
                "nbr_lost": 1,
                "amount_open": 500.0,
                "amount_won": 1100.0,
                "average_deal": 550.0,  # (1,000 + 200 EUR / 2) / 2 won deals
                "cycle_days": 15.0,  # (10 + 20) / 2
                "revenue": 1100.0,  # the cancelled order of 5,000 does not count
                "nbr_orders": 2,
                "nbr_new_partners": 2,
                "nbr_overdue_activities": 1,
            },
        )
        self.assertAlmostEqual(m1["rate_win"], 200.0 / 3, places=6)
        self.assertFalse(m1["response_hours"])

        m2 = by_user[self.user_manager_2.id]
        self.assertEqual(
            {key: m2[key] for key in MEASURES_EXACT},
            {
                "nbr_received": 2,
                "nbr_processed": 2,
                "nbr_unanswered": 1,
                "nbr_deals": 2,  # L1 qualified, d4 reassigned to him
                "nbr_open": 1,
                "nbr_won": 1,
                "nbr_lost": 0,
                "amount_open": 0.0,
                "amount_won": 2000.0,
                "average_deal": 2000.0,
                "cycle_days": 10.0,
                "revenue": 2000.0,
                "nbr_orders": 1,
                "nbr_new_partners": 1,
                "nbr_overdue_activities": 0,
            },
        )
        self.assertAlmostEqual(m2["response_hours"], 2.0, places=6)
        self.assertEqual(m2["rate_win"], 100.0)

    def test_manager_totals_never_include_others(self):
        mine = self._figures(user=self.user_manager, groupby=())[None]
        self.assertEqual((mine["revenue"], mine["nbr_won"], mine["amount_won"]), (1100.0, 2, 1100.0))
        theirs = self._figures(user=self.user_manager_2, groupby=())[None]
        self.assertEqual((theirs["revenue"], theirs["nbr_won"]), (2000.0, 1))
        head = self._figures(groupby=())[None]
        self.assertEqual((head["revenue"], head["nbr_won"]), (3100.0, 3))
        rows = self.env["medcrm.report.manager"].with_user(self.user_manager).search(self.month_domain)
        self.assertEqual(rows.user_id, self.user_manager)

    def test_no_deals(self):
        nobody = self._new_user("test_manager_idle", "Безделов Иван", "medcrm_needs.group_medcrm_manager")
        result = self._totals(
            "medcrm.report.manager", self.month_domain, user=nobody, groupby=(), fields=["revenue:sum", "nbr_won:sum"]
        )[None]
        self.assertEqual((result["__count"], result["revenue"], result["nbr_won"]), (0, False, False))

    def test_losses_by_reason(self):
        rows = self._totals(
            "medcrm.report.loss",
            [("team_id", "=", self.team.id)],
            groupby=["lost_reason_id"],
            fields=["nbr_lost:sum", "amount_expected:sum"],
        )
        self.assertEqual(
            (rows[self.reason_price.id]["nbr_lost"], rows[self.reason_price.id]["amount_expected"]), (1, 800.0)
        )
        mine = self._totals(
            "medcrm.report.loss", [("team_id", "=", self.team.id)], user=self.user_manager_2, fields=["nbr_lost:sum"]
        )[None]
        self.assertEqual(mine["__count"], 0, "manager 2 lost nothing; manager 1's loss is not his to see")


MEASURES_EXACT = [
    "nbr_received",
    "nbr_processed",
    "nbr_unanswered",
    "nbr_deals",
    "nbr_open",
    "nbr_won",
    "nbr_lost",
    "amount_open",
    "amount_won",
    "average_deal",
    "cycle_days",
    "revenue",
    "nbr_orders",
    "nbr_new_partners",
    "nbr_overdue_activities",
]
