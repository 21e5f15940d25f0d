from odoo import fields, models
from odoo.tools import SQL

from .medcrm_report_common import lost, open_, won


class MedcrmReportStage(models.Model):
    """Funnel by stage: one row per stage a deal entered (``medcrm.lead.stage.history``).

    Per stage: deals that entered it, deals there now and their amount, time spent in it (finished stays as
    recorded, the current stay up to now), deals beyond the stage's norm (``medcrm_max_idle_days``) and the
    stage-to-stage conversion: a stay *advanced* when the deal later entered a stage further in the
    pipeline. The row belongs to the owner of the deal when it entered the stage.
    """

    _name = "medcrm.report.stage"
    _inherit = "medcrm.report.mixin"
    _description = "Funnel by stage"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, id desc"

    date = fields.Datetime(string="Entered", readonly=True)
    date_out = fields.Datetime(string="Left", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Deal", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    deal_state = fields.Selection(
        [("open", "Open"), ("won", "Won"), ("lost", "Lost")], string="Deal outcome", readonly=True
    )

    nbr_entered = fields.Integer(string="Deals entered", readonly=True)
    nbr_current = fields.Integer(string="Deals in stage now", readonly=True)
    nbr_advanced = fields.Integer(
        string="Moved further", readonly=True, help="Deals that later entered a stage further in the pipeline."
    )
    rate_advanced = fields.Float(
        string="Conversion to next stage (%)",
        aggregator="avg",
        readonly=True,
        help="Deals that moved further per 100 deals that entered the stage (the last stage has none).",
    )
    nbr_lost_here = fields.Integer(string="Lost in this stage", readonly=True)
    amount = fields.Monetary(string="Expected revenue", readonly=True, help="Of the deals that entered the stage.")
    amount_current = fields.Monetary(
        string="Expected revenue in stage now", readonly=True, help="Of the open deals in the stage now."
    )
    duration_days = fields.Float(
        string="Days in stage",
        aggregator="avg",
        readonly=True,
        digits=(16, 1),
        help="Finished stays as recorded, the current stay up to now.",
    )
    max_idle_days = fields.Integer(string="Norm (days)", aggregator="max", readonly=True)
    nbr_overdue = fields.Integer(
        string="Beyond the norm", readonly=True, help="Stays longer than the days the stage allows."
    )

    def _query(self):
        return SQL(
            """
SELECT h.id,
       h.date_in AS date,
       h.date_out,
       h.lead_id,
       h.stage_id,
       h.user_id,
       COALESCE(h.team_id, l.team_id) AS team_id,
       COALESCE(h.company_id, l.company_id) AS company_id,
       company.currency_id,
       l.source_id,
       l.partner_id,
       CASE WHEN %(won)s THEN 'won' WHEN %(lost)s THEN 'lost' ELSE 'open' END AS deal_state,
       1 AS nbr_entered,
       (h.date_out IS NULL AND %(open)s)::int AS nbr_current,
       advanced.ok::int AS nbr_advanced,
       CASE WHEN NOT COALESCE(stage.is_won, FALSE) THEN 100.0 * advanced.ok::int END AS rate_advanced,
       (h.date_out IS NOT NULL AND %(lost)s AND l.stage_id = h.stage_id
        AND NOT EXISTS (SELECT 1 FROM medcrm_lead_stage_history n
                         WHERE n.lead_id = h.lead_id AND n.date_in > h.date_in))::int AS nbr_lost_here,
       l.expected_revenue AS amount,
       CASE WHEN h.date_out IS NULL AND %(open)s THEN l.expected_revenue ELSE 0 END AS amount_current,
       stay.days AS duration_days,
       stage.medcrm_max_idle_days AS max_idle_days,
       (stage.medcrm_max_idle_days > 0 AND stay.days > stage.medcrm_max_idle_days)::int AS nbr_overdue
  FROM medcrm_lead_stage_history h
  JOIN crm_lead l ON l.id = h.lead_id
  JOIN crm_stage stage ON stage.id = h.stage_id
  LEFT JOIN res_company company ON company.id = COALESCE(h.company_id, l.company_id)
  CROSS JOIN LATERAL (
      SELECT CASE WHEN h.date_out IS NOT NULL
                  THEN EXTRACT(EPOCH FROM h.date_out - h.date_in) / 86400.0
                  WHEN %(open)s THEN EXTRACT(EPOCH FROM (NOW() AT TIME ZONE 'UTC') - h.date_in) / 86400.0
             END AS days
  ) stay
  CROSS JOIN LATERAL (
      SELECT (%(won)s AND NOT COALESCE(stage.is_won, FALSE))
             OR EXISTS (SELECT 1
                          FROM medcrm_lead_stage_history n
                          JOIN crm_stage next_stage ON next_stage.id = n.stage_id
                         WHERE n.lead_id = h.lead_id
                           AND n.date_in >= h.date_in
                           AND n.id <> h.id
                           AND next_stage.sequence > stage.sequence) AS ok
  ) advanced
""",
            won=won("l"),
            lost=lost("l"),
            open=open_("l"),
        )
