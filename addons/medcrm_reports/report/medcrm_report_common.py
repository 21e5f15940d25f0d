"""SQL shared by the MedCRM report views: what a won, lost or open deal is, amounts in company currency."""

from odoo.tools import SQL


def won(alias):
    """Odoo's won: an active lead at 100 % (a won stage forces it)."""
    return SQL("(%(t)s.active AND %(t)s.probability = 100)", t=SQL.identifier(alias))


def lost(alias):
    """Odoo's lost: archived at 0 %."""
    return SQL("(NOT %(t)s.active AND %(t)s.probability = 0)", t=SQL.identifier(alias))


def open_(alias):
    return SQL("(%(t)s.active AND %(t)s.probability < 100)", t=SQL.identifier(alias))


def order_amount(alias):
    """Untaxed amount of a sale order in its company's currency (at the order's rate, as sale.report)."""
    return SQL(
        "(%(t)s.amount_untaxed / CASE COALESCE(%(t)s.currency_rate, 0) WHEN 0 THEN 1.0 ELSE %(t)s.currency_rate END)",
        t=SQL.identifier(alias),
    )


def deal_orders():
    """Per deal (crm.lead): commercial offers (КП, every quotation or order not cancelled) and confirmed orders.

    Columns: lead_id, nbr_offers, amount_offered, amount_confirmed (untaxed, company currency).
    """
    amount = order_amount("so")
    return SQL(
        """SELECT so.opportunity_id AS lead_id,
                  COUNT(*) FILTER (WHERE so.state <> 'cancel') AS nbr_offers,
                  SUM(%(amount)s) FILTER (WHERE so.state <> 'cancel') AS amount_offered,
                  SUM(%(amount)s) FILTER (WHERE so.state = 'sale') AS amount_confirmed
             FROM sale_order so
            WHERE so.opportunity_id IS NOT NULL
            GROUP BY so.opportunity_id""",
        amount=amount,
    )


def won_revenue(lead, orders):
    """Revenue of a won deal ``lead`` (its row of ``deal_orders`` joined as ``orders``): its confirmed orders,
    untaxed, company currency; a deal won without an order in Odoo (the order was made in 1C) counts the
    revenue its salesperson expected, never nothing."""
    return SQL(
        "COALESCE(%(o)s.amount_confirmed, %(l)s.expected_revenue, 0)",
        o=SQL.identifier(orders),
        l=SQL.identifier(lead),
    )


def internal_users():
    """One internal user per partner (authors of messages are partners), the system user excepted."""
    return SQL(
        """SELECT DISTINCT ON (partner_id) id, partner_id
             FROM res_users
            WHERE NOT share AND id <> 1  -- the system user: automatic messages are no effort
            ORDER BY partner_id, id"""
    )
