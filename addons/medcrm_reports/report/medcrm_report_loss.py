from odoo import fields, models
from odoo.tools import SQL

from .medcrm_report_common import deal_orders, lost


class MedcrmReportLoss(models.Model):
    """Loss analysis: one row per lost lead or deal (Odoo's lost: archived at 0 %), with its reason, the
    stage where it was lost, its channel and its salesperson."""

    _name = "medcrm.report.loss"
    _inherit = "medcrm.report.mixin"
    _description = "Loss analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, id desc"

    lead_id = fields.Many2one("crm.lead", string="Lead / deal", readonly=True)
    date = fields.Datetime(string="Lost on", readonly=True)
    create_date = fields.Datetime(string="Created on", readonly=True)
    lead_type = fields.Selection(
        [("lead", "Lead (not qualified)"), ("opportunity", "Deal")], string="Type", readonly=True
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Lost reason", readonly=True)
    stage_id = fields.Many2one("crm.stage", string="Lost at stage", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)

    nbr_lost = fields.Integer(string="Lost", readonly=True)
    nbr_with_offer = fields.Integer(string="Lost after a КП", readonly=True)
    amount_expected = fields.Monetary(string="Expected revenue lost", readonly=True)
    amount_offered = fields.Monetary(
        string="Offered (КП) lost", readonly=True, help="Commercial offers not cancelled, untaxed."
    )
    days_to_loss = fields.Float(
        string="Days to loss", aggregator="avg", readonly=True, digits=(16, 1), help="From creation to loss."
    )

    def _query(self):
        return SQL(
            """
WITH deal_orders AS (%(deal_orders)s)
SELECT l.id,
       l.id AS lead_id,
       COALESCE(l.date_closed, l.write_date) AS date,
       l.create_date,
       l.type AS lead_type,
       l.lost_reason_id,
       l.stage_id,
       l.source_id, l.medium_id, l.campaign_id,
       l.user_id, l.team_id, l.company_id, company.currency_id, l.partner_id,
       1 AS nbr_lost,
       (COALESCE(o.nbr_offers, 0) > 0)::int AS nbr_with_offer,
       l.expected_revenue AS amount_expected,
       COALESCE(o.amount_offered, 0) AS amount_offered,
       EXTRACT(EPOCH FROM COALESCE(l.date_closed, l.write_date) - l.create_date) / 86400.0 AS days_to_loss
  FROM crm_lead l
  LEFT JOIN deal_orders o ON o.lead_id = l.id
  LEFT JOIN res_company company ON company.id = l.company_id
 WHERE %(lost)s
""",
            deal_orders=deal_orders(),
            lost=lost("l"),
        )
