from odoo import fields, models
from odoo.tools import SQL

from ..models.medcrm_lead_handover import RESPONSE_MESSAGE_TYPES
from .medcrm_report_common import deal_orders, internal_users, lost, open_, order_amount, won, won_revenue
from .medcrm_report_mixin import ratio


class MedcrmReportManager(models.Model):
    """Manager performance: the facts of each salesperson, one row per fact, side by side in a pivot.

    Rows (``kind``) and their date:

    * ``received``: a lead handed to him (round-robin, by the head, created by himself), on the hand-over;
      processed when the lead is now qualified or closed and still his; first response from the hand-over
      to his first message, e-mail, note, done activity or change on the lead. A lead with no hand-over
      recorded (made before they were) was received by its salesperson at its creation: first response
      from the creation to his first action on it;
    * ``deal``: an opportunity he owns now (a reassigned deal counts for its new owner), on its closing
      date, or its creation date while open; average deal and cycle (from the original interest) of won deals;
    * ``order``: a confirmed order (revenue, untaxed, company currency) on its date, credited to the owner of
      its deal (or to its salesperson without deal); the first order of a counterparty makes a new counterparty;
    * ``activity``: an activity he marked done on a lead or deal, when done;
    * ``overdue``: an open activity of his on a lead or deal, past its deadline, on the deadline.
    """

    _name = "medcrm.report.manager"
    _inherit = "medcrm.report.mixin"
    _description = "Manager performance"
    _auto = False
    _rec_name = "user_id"
    _order = "date desc, id desc"
    # at the level of each group: revenue of its won deals / its won deals (never an average of rows)
    _medcrm_aggregates = {"average_deal": ratio("amount_won", "nbr_won")}

    kind = fields.Selection(
        [
            ("received", "Lead received"),
            ("deal", "Deal"),
            ("order", "Confirmed order"),
            ("activity", "Activity done"),
            ("overdue", "Overdue activity"),
        ],
        string="Fact",
        readonly=True,
    )
    date = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Lead / deal", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Lost reason", readonly=True)

    # Inflow and reaction
    nbr_received = fields.Integer(string="Leads received", readonly=True)
    nbr_processed = fields.Integer(string="Leads processed", readonly=True)
    rate_processed = fields.Float(string="Processed (%)", aggregator="avg", readonly=True)
    nbr_unanswered = fields.Integer(string="Leads without response", readonly=True)
    response_hours = fields.Float(string="First response (hours)", aggregator="avg", readonly=True, digits=(16, 1))

    # Deals
    nbr_deals = fields.Integer(string="Deals", readonly=True)
    nbr_open = fields.Integer(string="Open deals", readonly=True)
    nbr_won = fields.Integer(string="Won", readonly=True)
    nbr_lost = fields.Integer(string="Lost", readonly=True)
    rate_win = fields.Float(string="Win rate (%)", aggregator="avg", readonly=True, help="Won per 100 closed deals.")
    nbr_flagged = fields.Integer(
        string="Flagged deals", readonly=True, help="Open deals the daily control found out of control."
    )
    nbr_idle = fields.Integer(
        string="Deals beyond the norm", readonly=True, help="Open deals longer in their stage than it allows."
    )
    amount_open = fields.Monetary(string="Open pipeline", readonly=True, help="Expected revenue of open deals.")
    amount_won = fields.Monetary(
        string="Revenue of won deals",
        readonly=True,
        help="Confirmed orders of the won deals, untaxed; a deal won without an order in Odoo (ordered in 1C) "
        "counts its expected revenue.",
    )
    average_deal = fields.Monetary(
        string="Average deal",
        aggregator="avg",
        readonly=True,
        help="Revenue of the won deals divided by the number of won deals.",
    )
    cycle_days = fields.Float(
        string="Cycle (days)",
        aggregator="avg",
        readonly=True,
        digits=(16, 1),
        help="From the interest to the won deal, on average.",
    )

    # Orders
    revenue = fields.Monetary(readonly=True, help="Confirmed orders, untaxed, on their date.")
    nbr_orders = fields.Integer(string="Confirmed orders", readonly=True)
    nbr_new_partners = fields.Integer(
        string="New counterparties", readonly=True, help="Counterparties whose first confirmed order this is."
    )

    # Activities
    nbr_activities = fields.Integer(string="Activities done", readonly=True)
    nbr_calls = fields.Integer(string="Calls", readonly=True)
    nbr_overdue_activities = fields.Integer(string="Overdue activities", readonly=True)

    def _query(self):
        return SQL(
            """
WITH deal_orders AS (%(deal_orders)s)
SELECT h.id * 8 AS id,
       'received' AS kind,
       h.date,
       h.to_user_id AS user_id,
       COALESCE(h.team_id, l.team_id) AS team_id,
       l.company_id, company.currency_id,
       l.id AS lead_id, l.source_id, l.partner_id, l.stage_id, NULL::int AS lost_reason_id,
       1 AS nbr_received,
       h.processed::int AS nbr_processed,
       100.0 * h.processed::int AS rate_processed,
       (h.medcrm_response_date IS NULL)::int AS nbr_unanswered,
       EXTRACT(EPOCH FROM h.medcrm_response_date - h.date) / 3600.0 AS response_hours,
       0 AS nbr_deals, 0 AS nbr_open, 0 AS nbr_won, 0 AS nbr_lost, NULL::numeric AS rate_win,
       0 AS amount_open, 0 AS amount_won, NULL::numeric AS average_deal, NULL::numeric AS cycle_days,
       0 AS revenue, 0 AS nbr_orders, 0 AS nbr_new_partners,
       0 AS nbr_activities, 0 AS nbr_calls, 0 AS nbr_overdue_activities,
       0 AS nbr_flagged, 0 AS nbr_idle
  FROM (SELECT handover.*,
               (handover.to_user_id = lead.user_id
                AND (lead.type = 'opportunity' OR NOT lead.active OR lead.probability = 100)) AS processed
          FROM medcrm_lead_handover handover
          JOIN crm_lead lead ON lead.id = handover.lead_id
         WHERE handover.to_user_id IS NOT NULL) h
  JOIN crm_lead l ON l.id = h.lead_id
  LEFT JOIN res_company company ON company.id = l.company_id
UNION ALL
SELECT l.id * 8 + 5,
       'received',
       l.create_date,
       l.user_id,
       l.team_id,
       l.company_id, company.currency_id,
       l.id, l.source_id, l.partner_id, l.stage_id, NULL,
       1,
       (l.type = 'opportunity' OR NOT l.active OR l.probability = 100)::int,
       100.0 * (l.type = 'opportunity' OR NOT l.active OR l.probability = 100)::int,
       (response.date IS NULL)::int,
       EXTRACT(EPOCH FROM response.date - l.create_date) / 3600.0,
       0, 0, 0, 0, NULL,
       0, 0, NULL, NULL,
       0, 0, 0,
       0, 0, 0,
       0, 0
  FROM crm_lead l
  JOIN res_users receiver ON receiver.id = l.user_id
  LEFT JOIN res_company company ON company.id = l.company_id
  LEFT JOIN LATERAL (
        -- his first message, e-mail, note, done activity or change on the lead after its creation
        SELECT MIN(m.date) AS date
          FROM mail_message m
         WHERE m.model = 'crm.lead' AND m.res_id = l.id
           AND m.author_id = receiver.partner_id
           AND m.message_type IN %(response_types)s
           AND m.date > l.create_date) response ON TRUE
 WHERE l.user_id IS NOT NULL AND l.user_id <> 1
   AND NOT EXISTS (SELECT 1 FROM medcrm_lead_handover handover WHERE handover.lead_id = l.id)
UNION ALL
SELECT l.id * 8 + 1,
       'deal',
       CASE WHEN l.date_closed IS NOT NULL AND NOT %(deal_open)s THEN l.date_closed ELSE l.create_date END,
       l.user_id, l.team_id, l.company_id, company.currency_id,
       l.id, l.source_id, l.partner_id, l.stage_id,
       CASE WHEN %(deal_lost)s THEN l.lost_reason_id END,
       0, 0, NULL, 0, NULL,
       1,
       %(deal_open)s::int,
       %(deal_won)s::int,
       %(deal_lost)s::int,
       CASE WHEN %(deal_won)s THEN 100.0 WHEN %(deal_lost)s THEN 0.0 END,
       CASE WHEN %(deal_open)s THEN l.expected_revenue ELSE 0 END,
       CASE WHEN %(deal_won)s THEN %(won_revenue)s ELSE 0 END,
       NULL::numeric,
       CASE WHEN %(deal_won)s AND l.date_closed IS NOT NULL
            THEN EXTRACT(EPOCH FROM l.date_closed - COALESCE(interest.create_date, l.create_date)) / 86400.0 END,
       0, 0, 0,
       0, 0, 0,
       (%(deal_open)s AND l.medcrm_flagged)::int,
       (%(deal_open)s AND stage.medcrm_max_idle_days > 0
        AND l.medcrm_stage_date < (NOW() AT TIME ZONE 'UTC') - make_interval(days => stage.medcrm_max_idle_days))::int
  FROM crm_lead l
  LEFT JOIN crm_stage stage ON stage.id = l.stage_id
  LEFT JOIN crm_lead interest ON interest.id = l.medcrm_interest_id
  LEFT JOIN deal_orders o ON o.lead_id = l.id
  LEFT JOIN res_company company ON company.id = l.company_id
 WHERE l.type = 'opportunity'
UNION ALL
SELECT so.id * 8 + 2,
       'order',
       so.date_order,
       COALESCE(deal.user_id, so.user_id),
       COALESCE(deal.team_id, so.team_id),
       so.company_id, company.currency_id,
       deal.id, COALESCE(deal.source_id, so.source_id), so.partner_id, deal.stage_id, NULL,
       0, 0, NULL, 0, NULL,
       0, 0, 0, 0, NULL,
       0, 0, NULL, NULL,
       %(order_amount)s,
       1,
       (so.id = first_order.id)::int,
       0, 0, 0,
       0, 0
  FROM sale_order so
  LEFT JOIN crm_lead deal ON deal.id = so.opportunity_id
  LEFT JOIN res_company company ON company.id = so.company_id
  LEFT JOIN (SELECT DISTINCT ON (partner.commercial_partner_id, first.company_id) first.id
               FROM sale_order first
               JOIN res_partner partner ON partner.id = first.partner_id
              WHERE first.state = 'sale'
              ORDER BY partner.commercial_partner_id, first.company_id, first.date_order, first.id) first_order
         ON first_order.id = so.id
 WHERE so.state = 'sale'
UNION ALL
SELECT m.id * 8 + 3,
       'activity',
       m.date,
       author.id, l.team_id, l.company_id, company.currency_id,
       l.id, l.source_id, l.partner_id, l.stage_id, NULL,
       0, 0, NULL, 0, NULL,
       0, 0, 0, 0, NULL,
       0, 0, NULL, NULL,
       0, 0, 0,
       1,
       COALESCE(activity_type.category = 'phonecall', FALSE)::int,
       0,
       0, 0
  FROM mail_message m
  JOIN crm_lead l ON l.id = m.res_id
  JOIN (%(internal_users)s) author ON author.partner_id = m.author_id
  LEFT JOIN res_company company ON company.id = l.company_id
  LEFT JOIN mail_activity_type activity_type ON activity_type.id = m.mail_activity_type_id
 WHERE m.model = 'crm.lead' AND m.mail_activity_type_id IS NOT NULL
UNION ALL
SELECT a.id * 8 + 4,
       'overdue',
       a.date_deadline::timestamp,
       a.user_id, l.team_id, l.company_id, company.currency_id,
       l.id, l.source_id, l.partner_id, l.stage_id, NULL,
       0, 0, NULL, 0, NULL,
       0, 0, 0, 0, NULL,
       0, 0, NULL, NULL,
       0, 0, 0,
       0, 0,
       1,
       0, 0
  FROM mail_activity a
  JOIN crm_lead l ON l.id = a.res_id
  LEFT JOIN res_company company ON company.id = l.company_id
 WHERE a.res_model = 'crm.lead' AND a.active AND a.date_deadline < CURRENT_DATE
""",
            deal_orders=deal_orders(),
            internal_users=internal_users(),
            deal_won=won("l"),
            deal_lost=lost("l"),
            deal_open=open_("l"),
            order_amount=order_amount("so"),
            won_revenue=won_revenue("l", "o"),
            response_types=RESPONSE_MESSAGE_TYPES,
        )
