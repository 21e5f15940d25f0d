from datetime import datetime, time

from odoo import api, fields, models, tools
from odoo.tools import SQL, format_amount, formatLang

# code, sequence: the sales head's tiles, in the order of the phone's column
KPI_CODES = [
    ("revenue", "Revenue"),
    ("won", "Won deals"),
    ("average_deal", "Average deal"),
    ("win_rate", "Win rate"),
    ("flagged", "Flagged deals"),
    ("unprocessed", "Unprocessed leads"),
    ("duplicates", "Duplicates found"),
]


class MedcrmReportKpi(models.Model):
    """The sales head's key figures as tiles (a phone shows them in one column), each opening its report.

    The figures are read from the stored reports with the user's rights (``read_group``), so a tile always
    shows what its report shows: revenue, won deals, average deal and win rate of the current month
    (context ``medcrm_kpi_date`` moves the month), the open deals the daily control flagged, the interests
    nobody qualified or closed yet, the needs on which a duplicate was found.
    """

    _name = "medcrm.report.kpi"
    _description = "Sales head key figure"
    _auto = False
    _order = "sequence, id"
    _rec_name = "code"

    code = fields.Selection(KPI_CODES, string="Figure", readonly=True)
    sequence = fields.Integer(readonly=True)
    value = fields.Float(string="Numeric value", compute="_compute_value", digits=(16, 2))
    value_display = fields.Char(string="Value", compute="_compute_value")
    scope = fields.Char(string="Period", compute="_compute_value")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        rows = SQL(", ").join(
            SQL("(%s, %s, %s)", index, code, index) for index, (code, _label) in enumerate(KPI_CODES, 1)
        )
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (SELECT * FROM (VALUES %s) AS kpi(id, code, sequence))",
                SQL.identifier(self._table),
                rows,
            )
        )

    # ------------------------------------------------------------------
    # what each tile reads and opens
    # ------------------------------------------------------------------

    @api.model
    def _month_domain(self):
        day = fields.Date.to_date(self.env.context.get("medcrm_kpi_date")) or fields.Date.context_today(self)
        start = day.replace(day=1)
        end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
        return [
            ("date", ">=", fields.Datetime.to_string(datetime.combine(start, time.min))),
            ("date", "<", fields.Datetime.to_string(datetime.combine(end, time.min))),
        ]

    def _spec(self):
        """(report model, domain, aggregate, action xmlid, period label) of this tile."""
        self.ensure_one()
        month = self._month_domain()
        this_month = self.env._("this month")
        return {
            "revenue": (
                "medcrm.report.manager",
                month + [("kind", "=", "order")],
                "revenue:sum",
                "medcrm_reports.medcrm_report_manager_action",
                this_month,
            ),
            "won": (
                "medcrm.report.manager",
                month + [("kind", "=", "deal")],
                "nbr_won:sum",
                "medcrm_reports.medcrm_report_manager_action",
                this_month,
            ),
            "average_deal": (
                "medcrm.report.manager",
                month + [("kind", "=", "deal")],
                "average_deal:avg",
                "medcrm_reports.medcrm_report_manager_action",
                this_month,
            ),
            "win_rate": (
                "medcrm.report.manager",
                month + [("kind", "=", "deal")],
                "rate_win:avg",
                "medcrm_reports.medcrm_report_manager_action",
                this_month,
            ),
            "flagged": (
                "medcrm.report.deal",
                [("state", "=", "open"), ("nbr_flagged", "=", 1)],
                "nbr_flagged:sum",
                "medcrm_reports.medcrm_report_deal_action_overdue",
                self.env._("open now"),
            ),
            "unprocessed": (
                "medcrm.report.channel",
                [("kind", "=", "interest"), ("interest_state", "=", "new")],
                "nbr_interests:sum",
                "medcrm_reports.medcrm_report_channel_action",
                self.env._("waiting now"),
            ),
            "duplicates": (
                "medcrm.report.need",
                [("duplicated_need_id", "!=", False)],
                "nbr_needs_with_duplicates:sum",
                "medcrm_reports.medcrm_report_need_action",
                self.env._("all time"),
            ),
        }[self.code]

    @api.depends_context("uid", "medcrm_kpi_date", "tz", "lang")
    def _compute_value(self):
        currency = self.env.company.currency_id
        for kpi in self:
            model, domain, aggregate, _action, scope = kpi._spec()
            result = self.env[model].read_group(domain, [aggregate], [], lazy=False)
            value = (result[0].get(aggregate.split(":")[0]) if result else 0) or 0.0
            kpi.value = value
            kpi.scope = scope
            if kpi.code in ("revenue", "average_deal"):
                kpi.value_display = format_amount(self.env, value, currency)
            elif kpi.code == "win_rate":
                kpi.value_display = f"{formatLang(self.env, value, digits=0)} %"
            else:
                kpi.value_display = formatLang(self.env, value, digits=0)

    def action_open(self):
        """The tile's report, filtered as the tile counts."""
        self.ensure_one()
        _model, domain, _aggregate, xmlid, _scope = self._spec()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = {}
        action["name"] = f"{dict(self._fields['code']._description_selection(self.env))[self.code]} · {action['name']}"
        return action
