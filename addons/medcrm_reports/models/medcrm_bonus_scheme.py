from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

# The KPIs of a manager's month and where their facts come from: a measure of the manager performance
# report (medcrm.report.manager), read for the manager and the month.
KPIS = [
    ("revenue", "Revenue"),
    ("won_deals", "Won deals"),
    ("average_deal", "Average deal"),
    ("new_partners", "New counterparties"),
    ("activities", "Activities done"),
    ("conversion", "Win rate (%)"),
]
KPI_MEASURES = {
    "revenue": "revenue:sum",
    "won_deals": "nbr_won:sum",
    "average_deal": "average_deal:avg",
    "new_partners": "nbr_new_partners:sum",
    "activities": "nbr_activities:sum",
    "conversion": "rate_win:avg",
}


class MedcrmBonusScheme(models.Model):
    """Bonus formula of the managers: per KPI a weight, a threshold and a cap.

    For each KPI of a plan: achievement = fact / plan × 100 %; below the threshold the KPI pays nothing,
    above the cap it counts as the cap; the KPI pays target bonus × weight × counted achievement. The
    month's bonus is the sum over the KPIs, at most the scheme's cap (a share of the target bonus).
    """

    _name = "medcrm.bonus.scheme"
    _description = "Bonus scheme"
    _order = "sequence, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    base_amount = fields.Monetary(
        string="Target bonus",
        required=True,
        help="The bonus of a manager who meets every KPI of his plan exactly (100 %).",
    )
    total_cap = fields.Float(
        string="Bonus cap (% of target)",
        default=150.0,
        help="The month's bonus never exceeds this share of the target bonus; 0 means no cap.",
    )
    line_ids = fields.One2many("medcrm.bonus.scheme.line", "scheme_id", string="KPIs", copy=True)
    total_weight = fields.Float(string="Total weight (%)", compute="_compute_total_weight")
    description = fields.Text(help="How the scheme is explained to the managers.")

    @api.depends("line_ids.weight")
    def _compute_total_weight(self):
        for scheme in self:
            scheme.total_weight = sum(scheme.line_ids.mapped("weight"))

    @api.constrains("line_ids", "base_amount", "total_cap")
    def _check_scheme(self):
        for scheme in self:
            if scheme.base_amount < 0 or scheme.total_cap < 0:
                raise ValidationError(
                    self.env._(
                        "The target bonus and the cap of scheme «%(scheme)s» cannot be negative.", scheme=scheme.name
                    )
                )
            if scheme.line_ids and float_compare(sum(scheme.line_ids.mapped("weight")), 100.0, precision_digits=2):
                raise ValidationError(
                    self.env._(
                        "The weights of the KPIs of scheme «%(scheme)s» must add up to 100 %% (now %(total)s %%).",
                        scheme=scheme.name,
                        total=round(sum(scheme.line_ids.mapped("weight")), 2),
                    )
                )

    def _compute_bonus(self, base_amount, kpi_lines):
        """Bonus of one plan: ``kpi_lines`` are (achievement %, weight %, threshold %, cap %) tuples.

        :return: (per-line counted achievement %, per-line bonus, total bonus), amounts in the company currency
        """
        scores, amounts = [], []
        for achievement, weight, threshold, cap in kpi_lines:
            score = 0.0 if achievement < threshold else min(achievement, cap) if cap else achievement
            scores.append(score)
            amounts.append(base_amount * weight / 100.0 * score / 100.0)
        total = sum(amounts)
        return scores, amounts, total


class MedcrmBonusSchemeLine(models.Model):
    _name = "medcrm.bonus.scheme.line"
    _description = "KPI of a bonus scheme"
    _order = "sequence, id"

    scheme_id = fields.Many2one("medcrm.bonus.scheme", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    kpi = fields.Selection(KPIS, string="KPI", required=True)
    weight = fields.Float(string="Weight (%)", required=True, help="Share of the target bonus paid for this KPI.")
    threshold = fields.Float(
        string="Threshold (%)",
        default=80.0,
        help="Below this achievement of the plan the KPI pays nothing.",
    )
    cap = fields.Float(
        string="Cap (%)",
        default=150.0,
        help="Achievement above this share of the plan is counted as the cap; 0 means no cap.",
    )

    _sql_constraints = [
        ("kpi_uniq", "unique(scheme_id, kpi)", "Each KPI appears once in a bonus scheme."),
    ]

    @api.constrains("weight", "threshold", "cap")
    def _check_values(self):
        for line in self:
            if line.weight <= 0 or line.weight > 100:
                raise ValidationError(self.env._("The weight of a KPI is between 0 and 100 %."))
            if line.threshold < 0 or line.cap < 0:
                raise ValidationError(self.env._("Threshold and cap of a KPI cannot be negative."))
            if line.cap and line.cap < line.threshold:
                raise ValidationError(self.env._("The cap of a KPI cannot be below its threshold."))
