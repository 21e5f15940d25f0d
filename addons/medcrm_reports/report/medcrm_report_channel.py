from odoo import fields, models
from odoo.tools import SQL

from .medcrm_report_common import deal_orders, internal_users, lost, won, won_revenue
from .medcrm_report_mixin import ratio

INTEREST_STATES = [
    ("new", "Not qualified yet"),
    ("disqualified", "No real interest"),
    ("in_work", "In work"),
    ("won", "Won"),
    ("lost", "Lost"),
]


class MedcrmReportChannel(models.Model):
    """Channel conversion and effort: one row per incoming interest, per effort spent on leads and deals
    (done activity, e-mail sent), per campaign budget.

    An interest is a lead that was not made from another lead's need; the deals made from its needs
    (``crm.lead.medcrm_interest_id``) count for it: interests → qualified → deals (a КП or a deal from a
    need) → won, with the revenue of its won deals (confirmed orders, untaxed, company currency).
    """

    _name = "medcrm.report.channel"
    _inherit = "medcrm.report.mixin"
    _description = "Channel conversion and effort"
    _auto = False
    _rec_name = "lead_id"
    _order = "date desc, id desc"
    _medcrm_aggregates = {
        "average_deal": ratio("amount_won", "nbr_won_deals"),
        "revenue_per_effort": ratio("amount_won", "nbr_efforts"),
        "revenue_per_cost": ratio("amount_won", "cost"),
        "cost_per_interest": ratio("cost", "nbr_interests"),
    }

    kind = fields.Selection(
        [("interest", "Interest"), ("effort", "Effort"), ("cost", "Campaign budget")], string="Row", readonly=True
    )
    date = fields.Datetime(
        readonly=True, help="Interests: when they arrived; efforts: when they were made; budgets: date of spending."
    )
    lead_id = fields.Many2one("crm.lead", string="Interest", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, help="Interests: its salesperson; efforts: who made them."
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    interest_state = fields.Selection(INTEREST_STATES, string="Outcome", readonly=True)
    product_ids = fields.Many2many(related="lead_id.medcrm_product_ids", string="Products asked about")

    # Conversion, step by step
    nbr_interests = fields.Integer(string="Interests", readonly=True)
    nbr_qualified = fields.Integer(string="Qualified", readonly=True, help="Real interest: became an opportunity.")
    nbr_deals = fields.Integer(
        string="Deals", readonly=True, help="A commercial offer (КП) was made, or a deal was created from a need."
    )
    nbr_won = fields.Integer(string="Won", readonly=True, help="Interests with at least one won deal.")
    nbr_won_deals = fields.Integer(string="Won deals", readonly=True)
    rate_qualified = fields.Float(
        string="Qualified (%)", aggregator="avg", readonly=True, help="Qualified interests per 100 interests."
    )
    rate_deal = fields.Float(
        string="Qualified → deal (%)", aggregator="avg", readonly=True, help="Deals per 100 qualified interests."
    )
    rate_won = fields.Float(string="Deal → won (%)", aggregator="avg", readonly=True, help="Won per 100 deals.")
    rate_total = fields.Float(
        string="Interest → won (%)", aggregator="avg", readonly=True, help="Won per 100 interests."
    )
    amount_expected = fields.Monetary(string="Expected revenue", readonly=True)
    amount_offered = fields.Monetary(
        string="Offered (КП)", readonly=True, help="Commercial offers and orders not cancelled, untaxed."
    )
    amount_won = fields.Monetary(
        string="Revenue of won deals",
        readonly=True,
        help="Confirmed orders of the won deals, untaxed; a deal won without an order in Odoo (ordered in 1C) "
        "counts its expected revenue.",
    )
    average_deal = fields.Monetary(string="Average deal", readonly=True, help="Revenue of won deals per won deal.")

    # Effort and cost
    nbr_efforts = fields.Integer(string="Efforts", readonly=True, help="Done activities and e-mails sent.")
    nbr_activities = fields.Integer(string="Activities done", readonly=True)
    nbr_calls = fields.Integer(string="Calls", readonly=True, help="Done activities of the «call» kind.")
    nbr_emails = fields.Integer(string="E-mails sent", readonly=True)
    cost = fields.Monetary(readonly=True, help="Budgets of the campaigns of the channel.")
    revenue_per_effort = fields.Monetary(string="Revenue per effort", readonly=True)
    revenue_per_cost = fields.Float(string="Revenue per ruble spent", readonly=True, digits=(16, 2))
    cost_per_interest = fields.Monetary(string="Cost per interest", readonly=True)

    def _query(self):
        interest_won = won("i")
        interest_lost = lost("i")
        return SQL(
            """
WITH deal_orders AS (%(deal_orders)s),
continuation AS (
    -- the deals made from the needs of an interest (and from the needs of those deals)
    SELECT d.medcrm_interest_id AS interest_id,
           COUNT(*) AS nbr_deals,
           COUNT(*) FILTER (WHERE %(deal_won)s) AS nbr_won,
           COUNT(*) FILTER (WHERE %(deal_lost)s) AS nbr_lost,
           SUM(d.expected_revenue) AS amount_expected,
           SUM(o.amount_offered) AS amount_offered,
           SUM(%(deal_revenue)s) FILTER (WHERE %(deal_won)s) AS amount_won
      FROM crm_lead d
      LEFT JOIN deal_orders o ON o.lead_id = d.id
     WHERE d.medcrm_interest_id IS NOT NULL
     GROUP BY d.medcrm_interest_id
),
interest AS (
    SELECT i.*,
           (i.type = 'opportunity' OR COALESCE(c.nbr_deals, 0) > 0 OR %(interest_won)s) AS is_qualified,
           (COALESCE(c.nbr_deals, 0) > 0 OR COALESCE(io.nbr_offers, 0) > 0 OR %(interest_won)s) AS is_deal,
           (%(interest_won)s OR COALESCE(c.nbr_won, 0) > 0) AS is_won,
           (%(interest_won)s)::int + COALESCE(c.nbr_won, 0) AS won_deals,
           CASE WHEN i.type = 'opportunity' THEN i.expected_revenue ELSE 0 END
               + COALESCE(c.amount_expected, 0) AS expected,
           COALESCE(io.amount_offered, 0) + COALESCE(c.amount_offered, 0) AS offered,
           CASE WHEN %(interest_won)s THEN %(interest_revenue)s ELSE 0 END
               + COALESCE(c.amount_won, 0) AS revenue,
           (%(interest_lost)s AND COALESCE(c.nbr_deals, 0) = COALESCE(c.nbr_lost, 0)) AS is_lost
      FROM crm_lead i
      LEFT JOIN deal_orders io ON io.lead_id = i.id
      LEFT JOIN continuation c ON c.interest_id = i.id
     WHERE i.medcrm_interest_id IS NULL
)
SELECT i.id * 4 AS id,
       'interest' AS kind,
       i.create_date AS date,
       i.id AS lead_id,
       i.source_id, i.medium_id, i.campaign_id,
       i.user_id, i.team_id, i.company_id, company.currency_id, i.partner_id,
       CASE WHEN i.is_won THEN 'won'
            WHEN i.is_lost AND NOT i.is_qualified THEN 'disqualified'
            WHEN i.is_lost THEN 'lost'
            WHEN i.is_qualified THEN 'in_work'
            ELSE 'new' END AS interest_state,
       1 AS nbr_interests,
       i.is_qualified::int AS nbr_qualified,
       i.is_deal::int AS nbr_deals,
       i.is_won::int AS nbr_won,
       i.won_deals AS nbr_won_deals,
       100.0 * i.is_qualified::int AS rate_qualified,
       CASE WHEN i.is_qualified THEN 100.0 * i.is_deal::int END AS rate_deal,
       CASE WHEN i.is_deal THEN 100.0 * i.is_won::int END AS rate_won,
       100.0 * i.is_won::int AS rate_total,
       i.expected AS amount_expected,
       i.offered AS amount_offered,
       i.revenue AS amount_won,
       NULL::numeric AS average_deal,
       0 AS nbr_efforts, 0 AS nbr_activities, 0 AS nbr_calls, 0 AS nbr_emails,
       0 AS cost,
       NULL::numeric AS revenue_per_effort, NULL::numeric AS revenue_per_cost, NULL::numeric AS cost_per_interest
  FROM interest i
  JOIN res_company company ON company.id = i.company_id
UNION ALL
SELECT m.id * 4 + 1,
       'effort',
       m.date,
       l.id,
       l.source_id, l.medium_id, l.campaign_id,
       author.id, l.team_id, l.company_id, company.currency_id, l.partner_id,
       NULL,
       0, 0, 0, 0, 0,
       NULL, NULL, NULL, NULL,
       0, 0, 0, NULL,
       1,
       (m.mail_activity_type_id IS NOT NULL)::int,
       COALESCE(activity_type.category = 'phonecall', FALSE)::int,
       (m.mail_activity_type_id IS NULL)::int,
       0,
       NULL, NULL, NULL
  FROM mail_message m
  JOIN crm_lead l ON l.id = m.res_id
  JOIN (%(internal_users)s) author ON author.partner_id = m.author_id
  LEFT JOIN res_company company ON company.id = l.company_id
  LEFT JOIN mail_activity_type activity_type ON activity_type.id = m.mail_activity_type_id
  LEFT JOIN mail_message_subtype subtype ON subtype.id = m.subtype_id
 WHERE m.model = 'crm.lead'
   AND (m.mail_activity_type_id IS NOT NULL
        OR (m.message_type IN ('comment', 'email_outgoing')
            AND NOT COALESCE(m.is_internal, FALSE)
            AND NOT COALESCE(subtype.internal, FALSE)))
UNION ALL
SELECT campaign.id * 4 + 2,
       'cost',
       COALESCE(campaign.medcrm_date::timestamp, campaign.create_date),
       NULL,
       campaign.medcrm_source_id, NULL, campaign.id,
       NULL, NULL, campaign.company_id, company.currency_id, NULL,
       NULL,
       0, 0, 0, 0, 0,
       NULL, NULL, NULL, NULL,
       0, 0, 0, NULL,
       0, 0, 0, 0,
       campaign.medcrm_budget,
       NULL, NULL, NULL
  FROM utm_campaign campaign
  LEFT JOIN res_company company ON company.id = campaign.company_id
 WHERE campaign.medcrm_budget > 0
""",
            deal_orders=deal_orders(),
            internal_users=internal_users(),
            deal_won=won("d"),
            deal_lost=lost("d"),
            interest_won=interest_won,
            interest_lost=interest_lost,
            deal_revenue=won_revenue("d", "o"),
            interest_revenue=won_revenue("i", "io"),
        )
