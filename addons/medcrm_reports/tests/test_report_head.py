"""The head's view: fresh figures with their time, empty states that explain, KPI tiles, head-only menus."""

from datetime import date, datetime

from odoo import Command
from odoo.tests import tagged

from .common import MedcrmDepartmentCase

START, END = datetime(2026, 3, 1), datetime(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestReportsHead(MedcrmDepartmentCase):
    def test_refresh_every_five_minutes_and_time_of_data(self):
        cron = self.env.ref("medcrm_reports.ir_cron_refresh_reports")
        self.assertEqual((cron.interval_number, cron.interval_type), (5, "minutes"))
        Mixin = self.env["medcrm.report.mixin"]
        for model in Mixin._medcrm_report_models():
            with self.subTest(model=model):
                self.assertTrue(Mixin._medcrm_data_date([model]), "every report knows the time of its data")
        # a need recorded now is absent until the next refresh, then present, with a later data time
        self.env.cr.execute("UPDATE medcrm_report_refresh SET date = '2026-03-01 00:00:00'")
        need = self.env["medcrm.need"].create(
            {
                "partner_id": self.partner_a.id,
                "user_id": self.user_manager.id,
                "date_from": date(2026, 3, 1),
                "date_to": date(2026, 3, 31),
                "line_ids": [Command.create({"product_id": self.product.id, "product_uom_qty": 1})],
            }
        )
        Report = self.env["medcrm.report.need"].with_user(self.user_head)
        self.assertFalse(Report.search([("need_id", "=", need.id)]))
        cron.method_direct_trigger()
        self.assertTrue(Report.search([("need_id", "=", need.id)]))
        self.assertGreater(Mixin._medcrm_data_date(["medcrm.report.need"]), datetime(2026, 3, 1))

    def test_report_title_and_empty_state_tell_the_time_of_the_data(self):
        self.env.cr.execute("UPDATE medcrm_report_refresh SET date = '2026-03-10 09:05:30'")
        head = self.user_head
        head.tz = "UTC"
        action = self.env.ref("medcrm_reports.medcrm_report_manager_action").with_user(head)._get_action_dict()
        self.assertIn("9:05", action["name"])
        self.assertNotIn("9:05:30", action["name"], "no seconds")
        self.assertIn("9:05", action["help"])
        self.assertIn("5", action["help"])
        # every report's action explains an empty report (the overdue deals, the losses, the dashboard blocks)
        for xmlid in (
            "medcrm_report_deal_action_overdue",
            "medcrm_report_loss_action",
            "medcrm_report_need_action_not_in_stock",
            "medcrm_need_duplicate_action_report",
        ):
            with self.subTest(action=xmlid):
                help_html = self.env.ref(f"medcrm_reports.{xmlid}").with_user(head)._get_action_dict()["help"]
                self.assertTrue(help_html and len(str(help_html)) > 60)
        dashboard = self.env.ref("medcrm_reports.medcrm_dashboard_action").with_user(head)._get_action_dict()
        self.assertIn("9:05", dashboard["name"])

    def test_kpi_tiles_show_what_their_reports_show(self):
        Kpi = self.env["medcrm.report.kpi"].with_user(self.user_head).with_context(medcrm_kpi_date="2026-03-20")
        tiles = {tile.code: tile for tile in Kpi.search([])}
        self.assertEqual(
            list(tiles),
            ["revenue", "won", "average_deal", "win_rate", "flagged", "unprocessed", "duplicates"],
        )
        orders = self.env["sale.order"].search([("state", "=", "sale"), ("company_id", "=", self.company.id)])
        in_month = orders.filtered(lambda order: START <= order.date_order < END)
        revenue = sum(order.amount_untaxed / (order.currency_rate or 1.0) for order in in_month)
        self.assertAlmostEqual(tiles["revenue"].value, revenue, places=2)
        deals = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(
                [
                    ("type", "=", "opportunity"),
                    ("company_id", "=", self.company.id),
                    ("date_closed", ">=", START),
                    ("date_closed", "<", END),
                ]
            )
        )
        won = deals.filtered(lambda deal: deal.active and deal.probability == 100)
        lost = deals.filtered(lambda deal: not deal.active and deal.probability == 0)
        self.assertEqual(tiles["won"].value, len(won))
        self.assertAlmostEqual(tiles["win_rate"].value, 100.0 * len(won) / (len(won) + len(lost)), places=4)
        self.assertTrue(tiles["average_deal"].value_display)
        # a tile opens its report, filtered as it counts
        action = tiles["revenue"].action_open()
        self.assertEqual(action["res_model"], "medcrm.report.manager")
        rows = (
            self.env["medcrm.report.manager"]
            .with_user(self.user_head)
            .read_group(action["domain"], ["revenue:sum"], [], lazy=False)
        )
        self.assertAlmostEqual(rows[0]["revenue"], revenue, places=2)

    def test_head_menus_are_the_heads(self):
        Menu = self.env["ir.ui.menu"]
        head_menus = [
            self.env.ref("medcrm_reports.menu_medcrm_dashboard").id,
            self.env.ref("medcrm_reports.menu_medcrm_dashboard_charts").id,
        ]
        for menu_id in head_menus:
            self.assertIn(menu_id, Menu.with_user(self.user_head)._visible_menu_ids())
            self.assertNotIn(menu_id, Menu.with_user(self.user_manager)._visible_menu_ids())
        reports = self.env.ref("medcrm_reports.menu_medcrm_report_manager").id
        self.assertIn(reports, Menu.with_user(self.user_manager)._visible_menu_ids(), "his own figures")
