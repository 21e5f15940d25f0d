from odoo import fields, models
from odoo.tools import SQL

from .medcrm_report_common import lost, open_, won

CONTROL_STATES = [
    ("ok", "Under control"),
    ("no_activity", "No planned activity"),
    ("overdue_activity", "Overdue activity"),
    ("idle", "Too long in stage"),
]


class MedcrmReportDeal(models.Model):
    """Deal duration and overdue deals: one row per deal (opportunity).

    Duration runs from the original interest (or the deal's creation) to its closing, or up to now while it
    is open; an open deal is *beyond the norm* when it stays in its stage longer than the stage allows
    (``crm.stage.medcrm_max_idle_days``), and *flagged* when the daily control found it out of control.
    """

    _name = "medcrm.report.deal"
    _inherit = "medcrm.report.mixin"
    _description = "Deal duration and overdue deals"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, id desc"

    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    date = fields.Datetime(string="Started", readonly=True, help="When the interest arrived (or the deal was made).")
    date_closed = fields.Datetime(string="Closed", readonly=True)
    state = fields.Selection([("open", "Open"), ("won", "Won"), ("lost", "Lost")], string="Outcome", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    stage_date = fields.Datetime(string="In stage since", readonly=True)
    control_state = fields.Selection(CONTROL_STATES, string="Control", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)

    nbr_deals = fields.Integer(string="Deals", readonly=True)
    nbr_open = fields.Integer(string="Open deals", readonly=True)
    nbr_won = fields.Integer(string="Won", readonly=True)
    duration_days = fields.Float(
        string="Duration (days)",
        aggregator="avg",
        readonly=True,
        digits=(16, 1),
        help="From the interest to the closing, or up to now while the deal is open.",
    )
    won_duration_days = fields.Float(
        string="Length of a sale (days)", aggregator="avg", readonly=True, digits=(16, 1), help="Won deals only."
    )
    days_in_stage = fields.Float(string="Days in current stage", aggregator="avg", readonly=True, digits=(16, 1))
    max_idle_days = fields.Integer(string="Norm of the stage (days)", aggregator="max", readonly=True)
    days_over_norm = fields.Float(
        string="Days beyond the norm",
        aggregator="avg",
        readonly=True,
        digits=(16, 1),
        help="Open deals beyond the norm.",
    )
    nbr_overdue = fields.Integer(string="Beyond the norm", readonly=True)
    nbr_flagged = fields.Integer(string="Flagged", readonly=True)
    amount = fields.Monetary(string="Expected revenue", readonly=True)
    amount_overdue = fields.Monetary(string="Expected revenue beyond the norm", readonly=True)

    def _query(self):
        return SQL(
            """
SELECT l.id,
       l.id AS lead_id,
       COALESCE(interest.create_date, l.create_date) AS date,
       CASE WHEN NOT %(open)s THEN l.date_closed END AS date_closed,
       CASE WHEN %(won)s THEN 'won' WHEN %(lost)s THEN 'lost' ELSE 'open' END AS state,
       l.stage_id,
       l.medcrm_stage_date AS stage_date,
       l.medcrm_control_state AS control_state,
       l.user_id, l.team_id, l.company_id, company.currency_id, l.source_id, l.partner_id,
       1 AS nbr_deals,
       %(open)s::int AS nbr_open,
       %(won)s::int AS nbr_won,
       span.days AS duration_days,
       CASE WHEN %(won)s THEN span.days END AS won_duration_days,
       stay.days AS days_in_stage,
       stage.medcrm_max_idle_days AS max_idle_days,
       CASE WHEN over.yes THEN stay.days - stage.medcrm_max_idle_days END AS days_over_norm,
       over.yes::int AS nbr_overdue,
       (%(open)s AND l.medcrm_flagged)::int AS nbr_flagged,
       l.expected_revenue AS amount,
       CASE WHEN over.yes THEN l.expected_revenue ELSE 0 END AS amount_overdue
  FROM crm_lead l
  LEFT JOIN crm_lead interest ON interest.id = l.medcrm_interest_id
  LEFT JOIN crm_stage stage ON stage.id = l.stage_id
  LEFT JOIN res_company company ON company.id = l.company_id
  CROSS JOIN LATERAL (
      SELECT EXTRACT(EPOCH FROM COALESCE(CASE WHEN NOT %(open)s THEN l.date_closed END, NOW() AT TIME ZONE 'UTC')
                                - COALESCE(interest.create_date, l.create_date)) / 86400.0 AS days
  ) span
  CROSS JOIN LATERAL (
      SELECT CASE WHEN %(open)s
                  THEN EXTRACT(EPOCH FROM (NOW() AT TIME ZONE 'UTC') - COALESCE(l.medcrm_stage_date, l.create_date))
                       / 86400.0 END AS days
  ) stay
  CROSS JOIN LATERAL (
      SELECT COALESCE(stage.medcrm_max_idle_days > 0 AND stay.days > stage.medcrm_max_idle_days, FALSE) AS yes
  ) over
 WHERE l.type = 'opportunity'
""",
            won=won("l"),
            lost=lost("l"),
            open=open_("l"),
        )
