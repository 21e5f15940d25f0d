import io

import openpyxl

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import MONTH, MedcrmDepartmentCase

TARGETS = {
    "revenue": 1000.0,  # fact 1,100: 110 %
    "won_deals": 2.0,  # fact 2: 100 %
    "average_deal": 1000.0,  # fact 550: 55 %, below the 80 % threshold
    "new_partners": 1.0,  # fact 2: 200 %, the cap of this KPI
    "activities": 10.0,  # fact 0
    "conversion": 50.0,  # fact 66.67 %: 133.34 %
}


@tagged("post_install", "-at_install")
class TestMotivation(MedcrmDepartmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheme = cls.env.ref("medcrm_reports.bonus_scheme_default")
        cls.plan = cls._plan(cls.user_manager, TARGETS)

    @classmethod
    def _plan(cls, user, targets, month=MONTH):
        plan = cls.env["medcrm.motivation.plan"].create({"user_id": user.id, "date": month, "scheme_id": cls.scheme.id})
        for line in plan.line_ids:
            line.target = targets[line.kpi]
        return plan

    def _lines(self, plan):
        return {line.kpi: line for line in plan.line_ids}

    def test_facts_and_bonus_of_the_month(self):
        self.plan.action_approve()
        lines = self._lines(self.plan)
        self.assertEqual(
            {kpi: line.fact for kpi, line in lines.items()},
            {
                "revenue": 1100.0,
                "won_deals": 2.0,
                "average_deal": 550.0,
                "new_partners": 2.0,
                "activities": 0.0,
                "conversion": 66.67,
            },
        )
        # target bonus 30,000 × weight × counted achievement
        self.assertEqual(
            {kpi: line.bonus_amount for kpi, line in lines.items()},
            {
                "revenue": 13200.0,  # 30,000 × 40 % × 110 %
                "won_deals": 4500.0,  # × 15 % × 100 %
                "average_deal": 0.0,  # below the threshold
                "new_partners": 6000.0,  # × 10 % × 200 % (capped)
                "activities": 0.0,
                "conversion": 4000.2,  # × 10 % × 66.67 / 50
            },
        )
        self.assertEqual(lines["average_deal"].score, 0.0)
        self.assertEqual(lines["new_partners"].score, 200.0)
        self.assertEqual(self.plan.bonus_amount, 27700.2)
        self.assertEqual(self.plan.bonus_percent, 92.3)

    def test_caps_of_a_kpi_and_of_the_month(self):
        plan = self._plan(self.user_manager_2, dict.fromkeys(TARGETS, 1.0), month=MONTH.replace(month=4))
        plan.write({"base_amount": 1000.0, "total_cap": 120.0})
        for line in plan.line_ids:
            line.fact = 3.0  # 300 % of every target
        lines = self._lines(plan)
        self.assertEqual(lines["revenue"].bonus_amount, 600.0)  # 1,000 × 40 % × 150 % (cap of the KPI)
        self.assertEqual(lines["activities"].bonus_amount, 120.0)  # × 10 % × 120 %
        self.assertEqual(sum(plan.line_ids.mapped("bonus_amount")), 1520.0)  # 600 + 225 + 225 + 200 + 120 + 150
        self.assertEqual(plan.bonus_amount, 1200.0, "at most 120 % of the target bonus")
        self.assertEqual(plan.bonus_percent, 120.0)

    def test_no_deals_no_bonus(self):
        idle = self._new_user("test_manager_idle", "Безделов Иван", "medcrm_needs.group_medcrm_manager")
        plan = self._plan(idle, TARGETS)
        plan.action_approve()
        self.assertEqual(set(plan.line_ids.mapped("fact")), {0.0})
        self.assertEqual(plan.bonus_amount, 0.0)

    def test_approval_needs_every_target(self):
        plan = self._plan(self.user_manager_2, TARGETS | {"revenue": 0.0})
        with self.assertRaisesText(UserError, "Set a target"):
            plan.with_context(lang="en_US").action_approve()
        self.assertEqual(plan.state, "draft")

    def test_closed_plan_is_frozen(self):
        self.plan.action_approve()
        self.plan.action_close()
        with self.assertRaisesText(UserError, "closed"):
            self.plan.with_context(lang="en_US").write({"base_amount": 1.0})
        with self.assertRaisesText(UserError, "closed"):
            self.plan.line_ids[0].with_context(lang="en_US").write({"target": 1.0})
        self.plan.action_compute_facts()
        self.assertEqual(self.plan.bonus_amount, 27700.2)

    def test_access_own_plans_only(self):
        other = self._plan(self.user_manager_2, TARGETS)
        Plan = self.env["medcrm.motivation.plan"]
        self.assertEqual(Plan.with_user(self.user_manager).search([]), self.plan)
        self.assertEqual(Plan.with_user(self.user_head).search([("date", "=", MONTH)]), self.plan | other)
        with self.assertRaises(AccessError):
            other.with_user(self.user_manager).check_access("read")
        with self.assertRaises(AccessError):
            self.plan.with_user(self.user_manager).write({"base_amount": 1e6})
        totals = (
            self.env["medcrm.motivation.plan.line"]
            .with_user(self.user_manager)
            .read_group([], ["bonus_amount:sum"], [])
        )
        self.assertEqual(totals[0]["__count"], len(self.plan.line_ids))

    def test_wizard_prepares_next_month(self):
        self.plan.action_approve()
        april = MONTH.replace(month=4)
        wizard = (
            self.env["medcrm.motivation.plan.wizard"]
            .with_user(self.user_head)
            .create(
                {"date": april.replace(day=15), "user_ids": [(6, 0, [self.user_manager.id, self.user_manager_2.id])]}
            )
        )
        wizard.action_create_plans()
        plans = self.env["medcrm.motivation.plan"].search([("date", "=", april)])
        self.assertEqual(plans.user_id, self.user_manager | self.user_manager_2)
        copied = plans.filtered(lambda plan: plan.user_id == self.user_manager)
        self.assertEqual({line.kpi: line.target for line in copied.line_ids}, TARGETS)
        wizard.action_create_plans()
        self.assertEqual(self.env["medcrm.motivation.plan"].search_count([("date", "=", april)]), 2)

    def test_statement_pdf_and_xlsx(self):
        self.plan.action_approve()
        other = self._plan(self.user_manager_2, TARGETS)
        plans = self.plan | other
        Report = self.env["ir.actions.report"].with_context(lang="ru_RU")
        html = Report._render_qweb_html("medcrm_reports.action_report_motivation_statement", plans.ids)[0].decode()
        self.assertIn(self.user_manager.name, html)
        self.assertIn(self.user_manager_2.name, html)
        self.assertIn("27", html)
        pdf, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "medcrm_reports.action_report_motivation_statement", plans.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

        workbook = openpyxl.load_workbook(io.BytesIO(plans._medcrm_statement_xlsx()))
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        manager_rows = [row for row in rows if row[0] == self.user_manager.name and row[2] is not None]
        self.assertEqual(len(manager_rows), 6)
        self.assertEqual(sum(row[9] for row in manager_rows), 27700.2)
        grand_total = [row[9] for row in rows if isinstance(row[9], float)][-1]
        self.assertEqual(grand_total, self.plan.bonus_amount + other.bonus_amount)
