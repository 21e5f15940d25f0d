import io
from datetime import datetime, time

import pytz
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date
from odoo.tools.misc import xlsxwriter

from .medcrm_bonus_scheme import KPI_MEASURES, KPIS


class MedcrmMotivationPlan(models.Model):
    """A manager's plan for a month, set by the sales head: a target per KPI, the facts of the month read
    from the manager performance report, and the bonus given by the scheme's formula.

    Draft (the head sets the targets) → Approved (the manager sees it; facts are refreshed daily and on
    demand) → Closed (facts and bonus frozen: the statement is paid).
    """

    _name = "medcrm.motivation.plan"
    _description = "Monthly plan of a manager"
    _inherit = ["mail.thread"]
    _order = "date desc, user_id, id"

    _rec_names_search = ["user_id.name"]

    user_id = fields.Many2one(
        "res.users",
        string="Manager",
        required=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", compute="_compute_team_id", store=True, readonly=False, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Month",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="First day of the month of the plan.",
    )
    date_end = fields.Date(string="Month end", compute="_compute_date_end", store=True)
    scheme_id = fields.Many2one(
        "medcrm.bonus.scheme",
        string="Bonus scheme",
        required=True,
        tracking=True,
        check_company=True,
        default=lambda self: self.env["medcrm.bonus.scheme"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
    )
    base_amount = fields.Monetary(
        string="Target bonus",
        compute="_compute_from_scheme",
        store=True,
        readonly=False,
        tracking=True,
        help="The bonus at 100 % of every KPI; taken from the scheme, may be set per manager.",
    )
    total_cap = fields.Float(
        string="Bonus cap (% of target)", compute="_compute_from_scheme", store=True, readonly=False
    )
    state = fields.Selection(
        [("draft", "Draft"), ("approved", "Approved"), ("closed", "Closed")],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    line_ids = fields.One2many("medcrm.motivation.plan.line", "plan_id", string="KPIs", copy=True)
    facts_date = fields.Datetime(string="Facts as of", readonly=True, copy=False)
    bonus_amount = fields.Monetary(string="Bonus", compute="_compute_bonus", store=True)
    bonus_percent = fields.Float(
        string="Bonus (% of target)", compute="_compute_bonus", store=True, aggregator="avg", digits=(16, 1)
    )
    note = fields.Text()

    _sql_constraints = [
        ("user_month_uniq", "unique(user_id, date, company_id)", "A manager has one plan per month."),
    ]
    _check_company_auto = True

    @api.depends("user_id", "date")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for plan in self:
            plan.display_name = f"{plan.user_id.name or ''} — {plan._medcrm_month_label()}"

    @api.depends("user_id")
    def _compute_team_id(self):
        for plan in self:
            if plan.user_id and (not plan.team_id or plan.user_id not in plan.team_id.member_ids):
                plan.team_id = self.env["crm.team"]._get_default_team_id(user_id=plan.user_id.id)

    @api.depends("date")
    def _compute_date_end(self):
        for plan in self:
            plan.date_end = plan.date + relativedelta(day=31) if plan.date else False

    @api.depends("scheme_id")
    def _compute_from_scheme(self):
        for plan in self:
            plan.base_amount = plan.scheme_id.base_amount
            plan.total_cap = plan.scheme_id.total_cap

    @api.depends("line_ids.bonus_amount", "base_amount", "total_cap")
    def _compute_bonus(self):
        for plan in self:
            total = sum(plan.line_ids.mapped("bonus_amount"))
            if plan.total_cap:
                total = min(total, plan.base_amount * plan.total_cap / 100.0)
            plan.bonus_amount = plan.currency_id.round(total) if plan.currency_id else total
            plan.bonus_percent = 100.0 * plan.bonus_amount / plan.base_amount if plan.base_amount else 0.0

    @api.constrains("date")
    def _check_month(self):
        for plan in self:
            if plan.date.day != 1:
                raise ValidationError(self.env._("The month of a plan is given by its first day."))

    @api.constrains("base_amount", "total_cap")
    def _check_amounts(self):
        for plan in self:
            if plan.base_amount < 0 or plan.total_cap < 0:
                raise ValidationError(self.env._("The target bonus and the cap cannot be negative."))

    # ------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("date"):
                vals["date"] = fields.Date.to_date(vals["date"]).replace(day=1)
        plans = super().create(vals_list)
        plans.filtered(lambda p: not p.line_ids)._medcrm_lines_from_scheme()
        return plans

    def write(self, vals):
        if vals.get("date"):
            vals["date"] = fields.Date.to_date(vals["date"]).replace(day=1)
        frozen = set(vals) - {"state", "note", "facts_date"} - set(self._medcrm_chatter_fields())
        if frozen and any(plan.state == "closed" for plan in self):
            raise UserError(self.env._("A closed plan can no longer be changed; reset it to draft first."))
        result = super().write(vals)
        if "scheme_id" in vals and not self.env.context.get("medcrm_lines_from_scheme"):
            self._medcrm_lines_from_scheme()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        if any(plan.state == "closed" for plan in self):
            raise UserError(self.env._("A closed plan cannot be deleted."))

    def _medcrm_month_label(self):
        """«март 2026» in the user's language."""
        self.ensure_one()
        return format_date(self.env, self.date, date_format="LLLL yyyy") if self.date else ""

    @api.model
    def _medcrm_chatter_fields(self):
        return [name for name in self._fields if name.startswith(("message_", "website_message"))]

    def _medcrm_lines_from_scheme(self):
        """(Re)build the KPI lines from the scheme: weight, threshold and cap are copied (a later change of
        the scheme does not change plans already made); the targets already set are kept."""
        for plan in self:
            targets = {line.kpi: line.target for line in plan.line_ids}
            commands = [Command.clear()] + [
                Command.create(
                    {
                        "sequence": line.sequence,
                        "kpi": line.kpi,
                        "target": targets.get(line.kpi, 0.0),
                        "weight": line.weight,
                        "threshold": line.threshold,
                        "cap": line.cap,
                    }
                )
                for line in plan.scheme_id.line_ids
            ]
            plan.with_context(medcrm_lines_from_scheme=True).write({"line_ids": commands})

    # ------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------

    def action_approve(self):
        """The head approves the targets: the manager sees his plan, the facts are computed."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(self.env._("Only draft plans can be approved (%(plan)s).", plan=plan.display_name))
            missing = plan.line_ids.filtered(lambda line: line.weight and line.target <= 0)
            if missing:
                raise UserError(
                    self.env._(
                        "Set a target for every KPI of plan %(plan)s: %(kpis)s.",
                        plan=plan.display_name,
                        kpis=", ".join(missing.mapped(lambda line: line._medcrm_kpi_label())),
                    )
                )
        self.write({"state": "approved"})
        self._medcrm_compute_facts()
        return True

    def action_close(self):
        """Freeze the month: the facts are computed a last time and the bonus no longer changes."""
        if any(plan.state != "approved" for plan in self):
            raise UserError(self.env._("Only approved plans can be closed."))
        self._medcrm_compute_facts()
        self.write({"state": "closed"})
        return True

    def action_reset_to_draft(self):
        self.write({"state": "draft"})
        return True

    def action_compute_facts(self):
        """Refresh the facts of these plans now (also done every night); closed plans keep theirs."""
        self.check_access("read")
        self.sudo()._medcrm_compute_facts()
        return True

    def action_export_xlsx(self):
        return {
            "type": "ir.actions.act_url",
            "url": "/medcrm_reports/motivation/statement.xlsx?plan_ids=%s" % ",".join(map(str, self.ids)),
            "target": "download",
        }

    # ------------------------------------------------------------------------------------------
    # Statement (PDF and XLSX)
    # ------------------------------------------------------------------------------------------

    def _medcrm_statement_months(self):
        """The monthly statement of these plans: one entry per month and company, plans by manager."""
        months = []
        for (date, company), month_plans in sorted(
            self.grouped(lambda p: (p.date, p.company_id)).items(), key=lambda item: (item[0][0], item[0][1].id)
        ):
            plans = month_plans.sorted(lambda p: (p.user_id.name or "").lower())
            months.append(
                {
                    "date": date,
                    "label": plans[0]._medcrm_month_label(),
                    "company": company,
                    "currency": company.currency_id,
                    "plans": plans,
                    "base_amount": sum(plans.mapped("base_amount")),
                    "bonus_amount": sum(plans.mapped("bonus_amount")),
                }
            )
        return months

    def _medcrm_statement_xlsx(self):
        """The monthly statement as an XLSX workbook (bytes): a sheet per month, a block per manager."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1, "text_wrap": True})
        number = workbook.add_format({"num_format": "#,##0.00", "border": 1})
        percent = workbook.add_format({"num_format": "0.0", "border": 1})
        text = workbook.add_format({"border": 1})
        total_money = workbook.add_format({"num_format": "#,##0.00", "bold": True, "border": 1})
        total_text = workbook.add_format({"bold": True, "border": 1})
        columns = [
            (self.env._("Manager"), 28),
            (self.env._("KPI"), 24),
            (self.env._("Plan"), 14),
            (self.env._("Fact"), 14),
            (self.env._("Achievement (%)"), 12),
            (self.env._("Weight (%)"), 10),
            (self.env._("Threshold (%)"), 10),
            (self.env._("Cap (%)"), 10),
            (self.env._("Counted (%)"), 10),
            (self.env._("Bonus"), 14),
        ]
        used_names = set()
        for month in self._medcrm_statement_months():
            name = month["label"][:31] or "-"
            while name in used_names:
                name = f"{name[:28]}-{len(used_names)}"
            used_names.add(name)
            sheet = workbook.add_worksheet(name)
            sheet.write(0, 0, self.env._("Bonus statement: %(month)s", month=month["label"]), title)
            sheet.write(1, 0, f"{month['company'].name}, {month['currency'].name}")
            for col, (label, width) in enumerate(columns):
                sheet.write(3, col, label, header)
                sheet.set_column(col, col, width)
            row = 4
            for plan in month["plans"]:
                for line in plan.line_ids:
                    values = [
                        (plan.user_id.name, text),
                        (line._medcrm_kpi_label(), text),
                        (line.target, number),
                        (line.fact, number),
                        (line.achievement, percent),
                        (line.weight, percent),
                        (line.threshold, percent),
                        (line.cap, percent),
                        (line.score, percent),
                        (line.bonus_amount, number),
                    ]
                    for col, (value, cell_format) in enumerate(values):
                        sheet.write(row, col, value, cell_format)
                    row += 1
                sheet.write(row, 0, plan.user_id.name, total_text)
                sheet.write(row, 1, self.env._("Bonus of the month (cap %(cap)s %%)", cap=plan.total_cap), total_text)
                sheet.write(row, 9, plan.bonus_amount, total_money)
                row += 2
            sheet.write(row, 0, self.env._("Total"), bold)
            sheet.write(row, 9, month["bonus_amount"], total_money)
        workbook.close()
        return output.getvalue()

    # ------------------------------------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------------------------------------

    def _medcrm_month_bounds(self):
        """The plan's month in the manager's time zone, as UTC datetimes [start, end)."""
        self.ensure_one()
        tz = pytz.timezone(self.user_id.tz or "UTC")
        start = tz.localize(datetime.combine(self.date, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        end = (
            tz.localize(datetime.combine(self.date + relativedelta(months=1), time.min))
            .astimezone(pytz.utc)
            .replace(tzinfo=None)
        )
        return start, end

    def _medcrm_read_facts(self):
        """Facts of each KPI for these plans, read from the manager performance report as the system
        (every fact credited to the manager, whoever asks): {plan: {kpi: value}}."""
        if not self:
            return {}
        Report = self.env["medcrm.report.manager"].sudo()
        Report._medcrm_refresh()
        kpis = [kpi for kpi, _label in KPIS]
        aggregates = [KPI_MEASURES[kpi] for kpi in kpis]
        facts = {}
        for (start, end, company), plans in self.grouped(lambda p: (*p._medcrm_month_bounds(), p.company_id)).items():
            rows = Report._read_group(
                [
                    ("user_id", "in", plans.user_id.ids),
                    ("company_id", "=", company.id),
                    ("date", ">=", start),
                    ("date", "<", end),
                ],
                ["user_id"],
                aggregates,
            )
            by_user = {user: dict(zip(kpis, values, strict=True)) for user, *values in rows}
            for plan in plans:
                facts[plan] = {kpi: by_user.get(plan.user_id, {}).get(kpi) or 0.0 for kpi in kpis}
        return facts

    def _medcrm_compute_facts(self):
        plans = self.filtered(lambda p: p.state != "closed")
        facts = plans._medcrm_read_facts()
        now = fields.Datetime.now()
        for plan in plans:
            for line in plan.line_ids:
                line.fact = facts[plan].get(line.kpi, 0.0)
            plan.facts_date = now

    @api.model
    def _cron_compute_facts(self):
        """Nightly: refresh the facts of the open plans of this month and the last."""
        since = fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        self.search([("state", "!=", "closed"), ("date", ">=", since)])._medcrm_compute_facts()


class MedcrmMotivationPlanLine(models.Model):
    _name = "medcrm.motivation.plan.line"
    _description = "KPI of a manager's plan"
    _order = "plan_id, sequence, id"

    plan_id = fields.Many2one("medcrm.motivation.plan", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    user_id = fields.Many2one(related="plan_id.user_id", store=True, index=True, string="Manager")
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    date = fields.Date(related="plan_id.date", store=True, string="Month")
    state = fields.Selection(related="plan_id.state", store=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    kpi = fields.Selection(KPIS, string="KPI", required=True)
    target = fields.Float(digits=(16, 2))
    fact = fields.Float(digits=(16, 2), readonly=True)
    achievement = fields.Float(
        string="Achievement (%)", compute="_compute_bonus", store=True, aggregator="avg", digits=(16, 1)
    )
    weight = fields.Float(string="Weight (%)")
    threshold = fields.Float(string="Threshold (%)")
    cap = fields.Float(string="Cap (%)")
    score = fields.Float(
        string="Counted (%)",
        compute="_compute_bonus",
        store=True,
        aggregator="avg",
        digits=(16, 1),
        help="The achievement the formula counts: 0 below the threshold, at most the cap.",
    )
    bonus_amount = fields.Monetary(string="Bonus", compute="_compute_bonus", store=True)

    _sql_constraints = [
        ("kpi_uniq", "unique(plan_id, kpi)", "Each KPI appears once in a plan."),
    ]

    @api.depends("target", "fact", "weight", "threshold", "cap", "plan_id.base_amount")
    def _compute_bonus(self):
        for line in self:
            # the bonus follows the fact and the target as shown, not the achievement rounded for display
            achievement = 100.0 * line.fact / line.target if line.target > 0 else 0.0
            scores, amounts, _total = self.env["medcrm.bonus.scheme"]._compute_bonus(
                line.plan_id.base_amount, [(achievement, line.weight, line.threshold, line.cap)]
            )
            line.achievement = achievement
            line.score = scores[0]
            line.bonus_amount = line.currency_id.round(amounts[0]) if line.currency_id else amounts[0]

    @api.constrains("target")
    def _check_target(self):
        for line in self:
            if line.target < 0:
                raise ValidationError(self.env._("A target cannot be negative."))

    def write(self, vals):
        if any(line.state == "closed" for line in self):
            raise UserError(self.env._("A closed plan can no longer be changed; reset it to draft first."))
        return super().write(vals)

    def _medcrm_kpi_label(self):
        self.ensure_one()
        return dict(self._fields["kpi"]._description_selection(self.env))[self.kpi]
