from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MedcrmReportsCase


@tagged("post_install", "-at_install")
class TestReportStage(MedcrmReportsCase):
    """Deal A: need 2 days → КП 3 days → negotiation for 30 days now (norm 21); deal B: lost after 4 days in
    need; deal C: won 10 days after it was made."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m1 = cls.user_manager
        forced = {"medcrm_stage_force": True}
        cls.deal_a = cls._lead(
            m1, "Сделка A", type_="opportunity", expected_revenue=1000.0, stage_id=cls.stages["need"].id
        )
        cls.deal_a.with_context(**forced).write({"stage_id": cls.stages["offer"].id})
        cls.deal_a.with_context(**forced).write({"stage_id": cls.stages["negotiation"].id})
        cls.deal_b = cls._lead(
            m1, "Сделка B", type_="opportunity", expected_revenue=400.0, stage_id=cls.stages["need"].id
        )
        cls._lose(cls.deal_b, datetime(2026, 3, 5, 9))
        cls.deal_c = cls._lead(
            m1, "Сделка C", type_="opportunity", expected_revenue=300.0, stage_id=cls.stages["need"].id
        )
        cls._win(cls.deal_c, datetime(2026, 3, 1, 9), datetime(2026, 3, 11, 9))

        cls.now = fields.Datetime.now()
        History = cls.env["medcrm.lead.stage.history"]
        rows = {
            (row.lead_id, row.stage_id): row
            for row in History.search([("lead_id", "in", (cls.deal_a | cls.deal_b).ids)])
        }
        stays = {
            (cls.deal_a, "need"): (datetime(2026, 3, 1, 9), datetime(2026, 3, 3, 9)),
            (cls.deal_a, "offer"): (datetime(2026, 3, 3, 9), datetime(2026, 3, 6, 9)),
            (cls.deal_a, "negotiation"): (cls.now - timedelta(days=30), None),
            (cls.deal_b, "need"): (datetime(2026, 3, 1, 9), datetime(2026, 3, 5, 9)),
        }
        for (deal, code), (date_in, date_out) in stays.items():
            cls._set_sql(rows[deal, cls.stages[code]], date_in=date_in, date_out=date_out)
        cls._set_sql(cls.deal_a, medcrm_stage_date=cls.now - timedelta(days=30), create_date=datetime(2026, 3, 1, 9))
        cls.deal_a._medcrm_refresh_control()
        cls.env["medcrm.report.mixin"]._medcrm_refresh_all()

    def test_funnel_by_stage(self):
        by_stage = self._totals(
            "medcrm.report.stage",
            [("lead_id", "in", (self.deal_a | self.deal_b).ids)],
            groupby=["stage_id"],
            fields=[
                "nbr_entered:sum",
                "nbr_advanced:sum",
                "rate_advanced:avg",
                "nbr_current:sum",
                "nbr_lost_here:sum",
                "amount:sum",
                "amount_current:sum",
                "duration_days:avg",
                "nbr_overdue:sum",
            ],
        )
        keys = [
            "nbr_entered",
            "nbr_advanced",
            "rate_advanced",
            "nbr_current",
            "nbr_lost_here",
            "amount",
            "amount_current",
            "duration_days",
            "nbr_overdue",
        ]
        need = {key: by_stage[self.stages["need"].id][key] for key in keys}
        self.assertEqual(
            need,
            {
                "nbr_entered": 2,
                "nbr_advanced": 1,
                "rate_advanced": 50.0,
                "nbr_current": 0,
                "nbr_lost_here": 1,
                "amount": 1400.0,
                "amount_current": 0.0,
                "duration_days": 3.0,  # (2 + 4) / 2
                "nbr_overdue": 0,
            },
        )
        offer = by_stage[self.stages["offer"].id]
        self.assertEqual((offer["nbr_entered"], offer["rate_advanced"], offer["duration_days"]), (1, 100.0, 3.0))
        negotiation = by_stage[self.stages["negotiation"].id]
        self.assertEqual(
            {
                key: negotiation[key]
                for key in (
                    "nbr_entered",
                    "nbr_advanced",
                    "rate_advanced",
                    "nbr_current",
                    "amount_current",
                    "nbr_overdue",
                )
            },
            {
                "nbr_entered": 1,
                "nbr_advanced": 0,
                "rate_advanced": 0.0,
                "nbr_current": 1,
                "amount_current": 1000.0,
                "nbr_overdue": 1,
            },
        )
        self.assertAlmostEqual(negotiation["duration_days"], 30.0, delta=0.01)

    def test_deal_duration_and_overdue(self):
        deals = (self.deal_a | self.deal_b | self.deal_c).ids
        total = self._totals(
            "medcrm.report.deal",
            [("lead_id", "in", deals)],
            fields=[
                "nbr_deals:sum",
                "nbr_open:sum",
                "nbr_won:sum",
                "won_duration_days:avg",
                "nbr_overdue:sum",
                "nbr_flagged:sum",
                "amount_overdue:sum",
                "days_over_norm:avg",
            ],
        )[None]
        self.assertEqual(
            {
                key: total[key]
                for key in (
                    "nbr_deals",
                    "nbr_open",
                    "nbr_won",
                    "won_duration_days",
                    "nbr_overdue",
                    "nbr_flagged",
                    "amount_overdue",
                )
            },
            {
                "nbr_deals": 3,
                "nbr_open": 1,
                "nbr_won": 1,
                "won_duration_days": 10.0,
                "nbr_overdue": 1,
                "nbr_flagged": 1,
                "amount_overdue": 1000.0,
            },
        )
        self.assertAlmostEqual(total["days_over_norm"], 30.0 - 21, delta=0.01)
        row = self.env["medcrm.report.deal"].search([("lead_id", "=", self.deal_a.id)])
        self.assertEqual(
            (row.state, row.stage_id, row.control_state), ("open", self.stages["negotiation"], "no_activity")
        )

    def test_manager_sees_his_deals_only(self):
        domain = [("lead_id", "in", (self.deal_a | self.deal_b | self.deal_c).ids)]
        self.assertEqual(self.env["medcrm.report.deal"].with_user(self.user_manager_2).search_count(domain), 0)
        self.assertEqual(self.env["medcrm.report.stage"].with_user(self.user_manager_2).search_count(domain), 0)
        self.assertEqual(self.env["medcrm.report.deal"].with_user(self.user_manager).search_count(domain), 3)
