"""Every figure the head reads reconciles with its source documents.

The month of ``MedcrmDepartmentCase`` plus a deal won without an order in Odoo (ordered in 1C) and a deal won
by manager 2 on another channel. Each expected figure is computed here in Python from the source records
(crm.lead, sale.order, mail.message, medcrm.need) through the ORM, never from the reports' SQL, and
compared with the report's cell as the head's pivot reads it (``read_group`` of the group).
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.tests import tagged

from .common import IN_MONTH, MedcrmDepartmentCase

START, END = datetime(2026, 3, 1), datetime(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestReportsReconcile(MedcrmDepartmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        m1, m2 = cls.user_manager, cls.user_manager_2
        # won without an order in Odoo: the order was made in 1C, the deal carries its expected revenue
        cls.d6 = cls._lead(m1, "Сделка 6 (заказ в 1С)", type_="opportunity", expected_revenue=900.0)
        cls._win(cls.d6, datetime(2026, 3, 3, 9), datetime(2026, 3, 18, 9))
        # manager 2 wins on the e-mail channel: 4,000 confirmed, a quotation of 10,000 left in draft
        cls.d7 = cls._lead(m2, "Сделка 7 (почта)", type_="opportunity", source=cls.source_email)
        cls._order(cls.d7, 4000.0)
        cls._order(cls.d7, 10000.0, confirm=False)
        cls._win(cls.d7, datetime(2026, 3, 4, 9), datetime(2026, 3, 25, 9))
        # an interest of manager 2 answered 3 hours after it was handed to him, by a note
        cls.lead_8 = cls._lead(m2, "Интерес 8")
        handover = cls.lead_8.medcrm_handover_ids.filtered(lambda h: h.to_user_id == m2)
        cls._set_sql(cls.lead_8, create_date=IN_MONTH + timedelta(days=1))
        cls.lead_8.with_user(m2).message_post(body="Перезвоню утром", message_type="comment")
        note = cls.lead_8.message_ids.filtered(lambda message: message.author_id == m2.partner_id)
        cls._set_sql(note, date=IN_MONTH + timedelta(days=1, hours=3))
        cls._set_sql(handover, date=IN_MONTH + timedelta(days=1), medcrm_response_date=None)
        cls.env["medcrm.lead.handover"]._medcrm_backfill_responses()
        # a lead of manager 1 from before hand-overs were recorded (as Odoo's demo leads): received at its
        # creation, answered by his call logged 4 hours later
        cls.lead_9 = cls._lead(m1, "Интерес 9 (без передач)")
        cls.lead_9.with_user(m1).message_post(body="Позвонил, ждут КП", message_type="comment")
        call = cls.lead_9.message_ids.filtered(lambda message: message.author_id == m1.partner_id)
        cls._set_sql(cls.lead_9, create_date=IN_MONTH + timedelta(days=2))
        cls._set_sql(call, date=IN_MONTH + timedelta(days=2, hours=4))
        cls.env.cr.execute("DELETE FROM medcrm_lead_handover WHERE lead_id = %s", [cls.lead_9.id])
        cls.env["medcrm.report.mixin"]._medcrm_refresh_all()

    # ------------------------------------------------------------------
    # the figures, from the sources
    # ------------------------------------------------------------------

    def _deals(self):
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("type", "=", "opportunity"), ("team_id", "=", self.team.id)])
        )

    @staticmethod
    def _is_won(deal):
        return deal.active and deal.probability == 100

    @staticmethod
    def _is_lost(deal):
        return not deal.active and deal.probability == 0

    @staticmethod
    def _untaxed(order):
        return order.amount_untaxed / (order.currency_rate or 1.0)

    def _deal_revenue(self, deal):
        confirmed = deal.order_ids.filtered(lambda order: order.state == "sale")
        return sum(self._untaxed(order) for order in confirmed) if confirmed else deal.expected_revenue

    def _in_month(self, moment):
        return moment and START <= moment < END

    def _expected_managers(self):
        figures = defaultdict(lambda: defaultdict(float))
        closed = defaultdict(list)
        for deal in self._deals():
            won, lost = self._is_won(deal), self._is_lost(deal)
            when = deal.date_closed if (won or lost) and deal.date_closed else deal.create_date
            if not self._in_month(when):
                continue
            user = figures[deal.user_id.id]
            if won:
                user["nbr_won"] += 1
                user["amount_won"] += self._deal_revenue(deal)
                closed[deal.user_id.id].append(100.0)
            elif lost:
                closed[deal.user_id.id].append(0.0)
        orders = self.env["sale.order"].search([("state", "=", "sale")])
        for order in orders:
            owner = order.opportunity_id.user_id or order.user_id
            team = order.opportunity_id.team_id or order.team_id
            if team == self.team and self._in_month(order.date_order):
                figures[owner.id]["revenue"] += self._untaxed(order)
        responses = defaultdict(list)
        handovers = self.env["medcrm.lead.handover"].search([("lead_id.team_id", "=", self.team.id)])
        for handover in handovers.filtered(lambda h: h.to_user_id and self._in_month(h.date)):
            answers = handover.lead_id.message_ids.filtered(
                lambda message, h=handover: message.author_id == h.to_user_id.partner_id and message.date >= h.date
            )
            if answers:
                first = min(answers.mapped("date"))
                responses[handover.to_user_id.id].append((first - handover.date).total_seconds() / 3600.0)
        leads = self.env["crm.lead"].with_context(active_test=False).search([("team_id", "=", self.team.id)])
        for lead in leads.filtered(lambda lead: lead.user_id and not lead.medcrm_handover_ids):
            if not self._in_month(lead.create_date):
                continue
            answers = lead.message_ids.filtered(
                lambda message, lead=lead: (
                    message.author_id == lead.user_id.partner_id and message.date > lead.create_date
                )
            )
            if answers:
                first = min(answers.mapped("date"))
                responses[lead.user_id.id].append((first - lead.create_date).total_seconds() / 3600.0)
        for user_id, user in figures.items():
            user["average_deal"] = user["amount_won"] / user["nbr_won"] if user["nbr_won"] else False
            rates = closed[user_id]
            user["rate_win"] = sum(rates) / len(rates) if rates else False
            hours = responses[user_id]
            user["response_hours"] = sum(hours) / len(hours) if hours else False
        return figures

    # ------------------------------------------------------------------
    # the reports
    # ------------------------------------------------------------------

    def test_manager_cells_reconcile_with_orders_deals_and_messages(self):
        measures = [
            "nbr_won:sum",
            "amount_won:sum",
            "average_deal:avg",
            "revenue:sum",
            "rate_win:avg",
            "response_hours:avg",
        ]
        cells = self._totals("medcrm.report.manager", self.month_domain, groupby=["user_id"], fields=measures)
        expected = self._expected_managers()
        self.assertIn(self.user_manager.id, expected)
        self.assertIn(self.user_manager_2.id, expected)
        for user_id, figures in expected.items():
            for measure in measures:
                name = measure.split(":")[0]
                with self.subTest(user=user_id, measure=name):
                    if figures[name] is False:
                        self.assertFalse(cells[user_id][name])
                    else:
                        self.assertAlmostEqual(cells[user_id][name] or 0.0, figures[name], places=4)
        # the case: a won deal without an order in Odoo no longer makes the average deal 0
        m1 = cells[self.user_manager.id]
        self.assertAlmostEqual(m1["average_deal"], (1000.0 + 100.0 + 900.0) / 3, places=4)
        self.assertAlmostEqual(cells[self.user_manager_2.id]["response_hours"], (2.0 + 3.0) / 2, places=4)
        self.assertAlmostEqual(m1["response_hours"], 4.0, places=4, msg="the lead without hand-over, from creation")

    def test_average_deal_is_sum_over_count_at_every_level(self):
        """A group's average deal is its revenue of won deals / its won deals, whatever the grouping."""
        for groupby in ([], ["user_id"], ["source_id"], ["date:month"], ["user_id", "source_id"]):
            rows = (
                self.env["medcrm.report.manager"]
                .with_user(self.user_head)
                .read_group(
                    self.month_domain, ["amount_won:sum", "nbr_won:sum", "average_deal:avg"], groupby, lazy=False
                )
            )
            for row in rows:
                with self.subTest(groupby=groupby, row=row.get("__domain")):
                    if row["nbr_won"]:
                        self.assertAlmostEqual(row["average_deal"], row["amount_won"] / row["nbr_won"], places=6)
                    else:
                        self.assertFalse(row["average_deal"])
        head = self._totals("medcrm.report.manager", self.month_domain, fields=["average_deal:avg"])[None]
        # 1,000 + 100 + 900 (manager 1) + 2,000 + 4,000 (manager 2) over 5 won deals
        self.assertAlmostEqual(head["average_deal"], 8000.0 / 5, places=4)

    def test_channel_revenue_of_won_deals_per_channel(self):
        measures = ["nbr_won_deals:sum", "amount_won:sum", "average_deal"]
        domain = [("date", ">=", "2026-03-01"), ("date", "<", "2026-04-01"), ("team_id", "=", self.team.id)]
        cells = self._totals("medcrm.report.channel", domain, groupby=["source_id"], fields=measures)
        interests = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("medcrm_interest_id", "=", False), ("team_id", "=", self.team.id)])
            .filtered(lambda lead: self._in_month(lead.create_date))
        )
        expected = defaultdict(lambda: {"nbr_won_deals": 0, "amount_won": 0.0})
        for interest in interests:
            continued = (
                self.env["crm.lead"].with_context(active_test=False).search([("medcrm_interest_id", "=", interest.id)])
            )
            for deal in (interest | continued).filtered(self._is_won):
                expected[interest.source_id.id]["nbr_won_deals"] += 1
                expected[interest.source_id.id]["amount_won"] += self._deal_revenue(deal)
        self.assertEqual(
            expected[self.source_exhibition.id], {"nbr_won_deals": 4, "amount_won": 4000.0}, "d1, d2, d4, d6"
        )
        for source_id, figures in expected.items():
            with self.subTest(source=source_id):
                cell = cells[source_id]
                self.assertEqual(cell["nbr_won_deals"], figures["nbr_won_deals"])
                self.assertAlmostEqual(cell["amount_won"], figures["amount_won"], places=4)
                self.assertAlmostEqual(cell["average_deal"], figures["amount_won"] / figures["nbr_won_deals"], places=4)

    def test_needs_reconcile_including_a_need_without_products(self):
        empty = self.env["medcrm.need"].create(
            {
                "partner_id": self.partner_b.id,
                "user_id": self.user_manager.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 3, 31),
            }
        )
        full = self.env["medcrm.need"].create(
            {
                "partner_id": self.partner_a.id,
                "user_id": self.user_manager_2.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 3, 31),
                "line_ids": [Command.create({"product_id": self.product.id, "product_uom_qty": 7})],
            }
        )
        needs = empty | full
        domain = [("need_id", "in", needs.ids)]
        cells = self._totals(
            "medcrm.report.need", domain, groupby=["user_id"], fields=["nbr_needs:sum", "nbr_lines:sum", "qty:sum"]
        )
        for user in (self.user_manager, self.user_manager_2):
            mine = needs.filtered(lambda need, u=user: need.user_id == u)
            with self.subTest(user=user.name):
                self.assertEqual(cells[user.id]["nbr_needs"], len(mine))
                self.assertEqual(cells[user.id]["nbr_lines"], len(mine.line_ids))
                self.assertAlmostEqual(cells[user.id]["qty"], sum(mine.line_ids.mapped("product_uom_qty")))
