import io

import openpyxl

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestStatementDownload(HttpCase):
    """The XLSX statement over HTTP: a manager downloads his own plan, never another manager's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,medcrm_needs.group_medcrm_manager"
        cls.manager = new_test_user(cls.env, login="xlsx_manager", groups=groups, name="Выгрузкин Пётр")
        cls.other = new_test_user(cls.env, login="xlsx_other", groups=groups, name="Чужой Олег")
        Plan = cls.env["medcrm.motivation.plan"]
        scheme = cls.env.ref("medcrm_reports.bonus_scheme_default")
        cls.plan, cls.other_plan = Plan.create(
            [{"user_id": user.id, "date": "2026-03-01", "scheme_id": scheme.id} for user in (cls.manager, cls.other)]
        )

    def test_own_statement_only(self):
        self.authenticate("xlsx_manager", "xlsx_manager")
        response = self.url_open(f"/medcrm_reports/motivation/statement.xlsx?plan_ids={self.plan.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
        names = {row[0] for row in sheet.iter_rows(values_only=True)}
        self.assertIn("Выгрузкин Пётр", names)
        response = self.url_open(f"/medcrm_reports/motivation/statement.xlsx?plan_ids={self.other_plan.id}")
        self.assertEqual(response.status_code, 403)
