from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import IN_MONTH, MedcrmReportsCase

MEASURES = [
    "nbr_interests:sum",
    "nbr_qualified:sum",
    "nbr_deals:sum",
    "nbr_won:sum",
    "rate_qualified:avg",
    "rate_deal:avg",
    "rate_won:avg",
    "rate_total:avg",
    "amount_won:sum",
    "average_deal",
    "nbr_efforts:sum",
    "nbr_activities:sum",
    "nbr_calls:sum",
    "nbr_emails:sum",
    "cost:sum",
    "revenue_per_effort",
    "revenue_per_cost",
    "cost_per_interest",
]


@tagged("post_install", "-at_install")
class TestReportChannel(MedcrmReportsCase):
    """Exhibition (manager 1): 4 interests — one disqualified, one qualified only, one with a КП, one won
    (1,000) — 2 e-mails and a call, a 500 budget. E-mail (manager 2): one interest whose need became a deal
    won for 3,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m1, m2 = cls.user_manager, cls.user_manager_2
        cls.i_disqualified = cls._lead(m1, "Не интерес")
        cls.i_qualified = cls._lead(m1, "Квалифицирован")
        cls.i_qualified.write({"type": "opportunity"})
        cls.i_offer = cls._lead(m1, "С КП", type_="opportunity")
        cls._order(cls.i_offer, 700.0, confirm=False)
        cls.i_won = cls._lead(m1, "Выиграна", type_="opportunity")
        cls._order(cls.i_won, 1000.0)
        cls._win(cls.i_won, IN_MONTH, IN_MONTH)
        cls._lose(cls.i_disqualified, IN_MONTH)
        # the interest by e-mail stays a lead; its need became a deal of its own
        cls.i_by_need = cls._lead(m2, "Интерес с потребностью", source=cls.source_email, partner_id=cls.partner_b.id)
        need = cls.env["medcrm.need"].create(
            {
                "partner_id": cls.partner_b.id,
                "user_id": m2.id,
                "lead_id": cls.i_by_need.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 5, 31),
                "line_ids": [Command.create({"product_id": cls.product.id, "product_uom_qty": 300})],
            }
        )
        cls.deal_from_need = cls._lead(
            m2, "Сделка из потребности", type_="opportunity", source=cls.source_email, medcrm_need_id=need.id
        )
        cls._order(cls.deal_from_need, 3000.0)
        cls._win(cls.deal_from_need, IN_MONTH, IN_MONTH)
        # the effort of manager 1 on the deal with a КП: two e-mails to the client and a call done
        for body in ("Направляю КП", "Напоминаю о КП"):
            cls.i_offer.with_user(m1).message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_comment")
        activity = cls.i_offer.activity_schedule("mail.mail_activity_data_call", user_id=m1.id, summary="Звонок")
        activity.with_user(m1).action_feedback(feedback="Клиент думает")
        leads = cls.i_disqualified | cls.i_qualified | cls.i_offer | cls.i_won | cls.i_by_need | cls.deal_from_need
        cls._set_sql(leads, create_date=IN_MONTH)
        cls.campaign = cls.env["utm.campaign"].create(
            {
                "name": "Выставка «Здравоохранение-2026»",
                "medcrm_source_id": cls.source_exhibition.id,
                "medcrm_date": date(2026, 3, 5),
                "medcrm_budget": 500.0,
            }
        )
        cls.env["medcrm.report.mixin"]._medcrm_refresh_all()
        cls.domain = ["|", ("team_id", "=", cls.team.id), ("campaign_id", "=", cls.campaign.id)]

    def test_interest_of_a_deal_made_from_a_need(self):
        self.assertEqual(self.deal_from_need.medcrm_interest_id, self.i_by_need)
        self.assertFalse(self.i_by_need.medcrm_interest_id)

    def test_conversion_and_effort_per_channel(self):
        by_channel = self._totals("medcrm.report.channel", self.domain, groupby=["source_id"], fields=MEASURES)
        exhibition = by_channel[self.source_exhibition.id]
        expected = {
            "nbr_interests": 4,
            "nbr_qualified": 3,
            "nbr_deals": 2,
            "nbr_won": 1,
            "rate_qualified": 75.0,
            "rate_won": 50.0,
            "rate_total": 25.0,
            "amount_won": 1000.0,
            "average_deal": 1000.0,
            "nbr_efforts": 3,
            "nbr_activities": 1,
            "nbr_calls": 1,
            "nbr_emails": 2,
            "cost": 500.0,
            "revenue_per_cost": 2.0,
            "cost_per_interest": 125.0,
        }
        self.assertEqual({key: exhibition[key] for key in expected}, expected)
        self.assertAlmostEqual(exhibition["rate_deal"], 200.0 / 3, places=6)
        self.assertAlmostEqual(exhibition["revenue_per_effort"], 1000.0 / 3, places=6)

        email = by_channel[self.source_email.id]
        expected = {
            "nbr_interests": 1,  # the deal made from the need is no interest of its own
            "nbr_qualified": 1,
            "nbr_deals": 1,
            "nbr_won": 1,
            "rate_total": 100.0,
            "amount_won": 3000.0,
            "nbr_efforts": 0,
        }
        self.assertEqual({key: email[key] for key in expected}, expected)

    def test_outcome_of_each_interest(self):
        rows = self.env["medcrm.report.channel"].search([("kind", "=", "interest"), ("team_id", "=", self.team.id)])
        self.assertEqual(
            {row.lead_id: row.interest_state for row in rows},
            {
                self.i_disqualified: "disqualified",
                self.i_qualified: "in_work",
                self.i_offer: "in_work",
                self.i_won: "won",
                self.i_by_need: "won",
            },
        )

    def test_manager_sees_only_his_channel_figures(self):
        fields = ["nbr_interests:sum", "amount_won:sum", "nbr_efforts:sum", "cost:sum"]
        mine = self._totals("medcrm.report.channel", self.domain, user=self.user_manager, fields=fields)[None]
        self.assertEqual(
            {key: mine[key] for key in ("nbr_interests", "amount_won", "nbr_efforts", "cost")},
            {"nbr_interests": 4, "amount_won": 1000.0, "nbr_efforts": 3, "cost": 0.0},
        )
        other = self._totals("medcrm.report.channel", self.domain, user=self.user_manager_2, fields=fields)[None]
        self.assertEqual((other["nbr_interests"], other["amount_won"]), (1, 3000.0))
        head = self._totals("medcrm.report.channel", self.domain, fields=fields)[None]
        self.assertEqual((head["nbr_interests"], head["amount_won"], head["cost"]), (5, 4000.0, 500.0))
