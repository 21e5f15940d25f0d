from odoo import fields, models
from odoo.tools import SQL

from .medcrm_report_mixin import count_distinct

NEED_STATES = [
    ("draft", "Draft"),
    ("open", "Open"),
    ("duplicate", "Duplicate"),
    ("lost", "Lost / irrelevant"),
    ("converted", "Converted to deal"),
]


class MedcrmReportNeed(models.Model):
    """Needs analytics: one row per product of a need (one row for a need without products yet), with the
    need's counterparty, period and outcome.

    What clients need (products, categories, manufacturers, own production or resale), by period of need
    and counterparty segment, which needs never became deals, the demand for goods that are not on hand
    (to steer production and purchasing) and the needs where duplicates were found.
    """

    _name = "medcrm.report.need"
    _inherit = "medcrm.report.mixin"
    _description = "Needs analytics"
    _auto = False
    _rec_name = "need_id"
    _order = "date desc, id desc"
    _medcrm_aggregates = {
        "nbr_needs": count_distinct("need_id"),
        "nbr_needs_converted": count_distinct("converted_need_id"),
        "nbr_needs_with_duplicates": count_distinct("duplicated_need_id"),
        "rate_converted": (
            "100.0 * COUNT(DISTINCT %s) / NULLIF(COUNT(DISTINCT %s), 0)",
            ["converted_need_id", "closed_need_id"],
        ),
    }

    need_id = fields.Many2one("medcrm.need", readonly=True)
    date = fields.Date(string="Needed from", readonly=True, help="Start of the period in which the need arises.")
    date_to = fields.Date(string="Needed until", readonly=True)
    date_recorded = fields.Datetime(string="Recorded on", readonly=True)
    state = fields.Selection(NEED_STATES, string="Status", readonly=True)
    deal_id = fields.Many2one("crm.lead", readonly=True)
    is_converted = fields.Boolean(string="Became a deal", readonly=True)
    in_stock = fields.Boolean(
        string="In stock", readonly=True, help="The quantity of the line is on hand now (internal locations)."
    )

    partner_id = fields.Many2one("res.partner", string="Counterparty", readonly=True)
    industry_id = fields.Many2one("res.partner.industry", string="Segment", readonly=True)
    state_id = fields.Many2one("res.country.state", string="Region", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)

    product_id = fields.Many2one("product.product", readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product template", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product category", readonly=True)
    manufacturer_id = fields.Many2one("medcrm.manufacturer", readonly=True)
    own_production = fields.Boolean(string="Own production", readonly=True)
    analogue_group_id = fields.Many2one("medcrm.analogue.group", string="Analogue group", readonly=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)

    nbr_lines = fields.Integer(string="Lines", readonly=True)
    qty = fields.Float(
        string="Quantity", readonly=True, digits="Product Unit of Measure", help="In the product's unit."
    )
    amount = fields.Monetary(string="Estimated amount", readonly=True, help="Quantity × sales price of the product.")
    qty_not_in_stock = fields.Float(
        string="Quantity not in stock",
        readonly=True,
        digits="Product Unit of Measure",
        help="Quantity of the lines whose quantity is not on hand.",
    )
    amount_not_in_stock = fields.Monetary(string="Amount not in stock", readonly=True)
    nbr_needs = fields.Integer(string="Needs", readonly=True)
    nbr_needs_converted = fields.Integer(string="Needs converted", readonly=True)
    nbr_needs_with_duplicates = fields.Integer(
        string="Needs with duplicates found", readonly=True, help="Needs on which the check found a duplicate."
    )
    rate_converted = fields.Float(
        string="Converted (%)", readonly=True, help="Needs converted to deals per 100 closed needs."
    )
    # what the distinct counts read
    converted_need_id = fields.Many2one("medcrm.need", readonly=True)
    closed_need_id = fields.Many2one("medcrm.need", readonly=True)
    duplicated_need_id = fields.Many2one("medcrm.need", readonly=True)

    def _query(self):
        return SQL(
            """
WITH stock AS (
    SELECT quant.product_id, quant.company_id, SUM(quant.quantity) AS qty
      FROM stock_quant quant
      JOIN stock_location location ON location.id = quant.location_id
     WHERE location.usage = 'internal'
     GROUP BY quant.product_id, quant.company_id
),
duplicated AS (
    SELECT DISTINCT need_id FROM medcrm_need_duplicate
),
line AS (
    SELECT line.*,
           line.product_uom_qty / line_uom.factor * product_uom.factor AS qty_product,
           template.id AS template_id, template.categ_id, template.uom_id AS product_uom_id_,
           template.list_price, template.medcrm_manufacturer_id, template.medcrm_own_production,
           template.medcrm_analogue_group_id,
           COALESCE(stock.qty, 0) AS qty_on_hand
      FROM medcrm_need_line line
      JOIN product_product product ON product.id = line.product_id
      JOIN product_template template ON template.id = product.product_tmpl_id
      JOIN uom_uom line_uom ON line_uom.id = line.product_uom_id
      JOIN uom_uom product_uom ON product_uom.id = template.uom_id
      LEFT JOIN stock ON stock.product_id = line.product_id AND stock.company_id = line.company_id
)
SELECT COALESCE(line.id * 2, need.id * 2 + 1) AS id,  -- a need without products yet has one row of its own
       need.id AS need_id,
       need.date_from AS date,
       need.date_to,
       need.create_date AS date_recorded,
       need.state,
       need.deal_id,
       need.deal_id IS NOT NULL AS is_converted,
       line.qty_on_hand >= line.qty_product AS in_stock,
       need.partner_id,
       partner.industry_id,
       partner.state_id,
       need.user_id, need.team_id, need.company_id, company.currency_id, need.source_id,
       line.product_id, line.template_id AS product_tmpl_id, line.categ_id,
       line.medcrm_manufacturer_id AS manufacturer_id,
       COALESCE(line.medcrm_own_production, FALSE) AS own_production,
       line.medcrm_analogue_group_id AS analogue_group_id,
       line.product_uom_id_ AS uom_id,
       (line.id IS NOT NULL)::int AS nbr_lines,
       COALESCE(line.qty_product, 0) AS qty,
       COALESCE(line.qty_product * line.list_price, 0) AS amount,
       CASE WHEN line.qty_on_hand < line.qty_product THEN line.qty_product ELSE 0 END AS qty_not_in_stock,
       CASE WHEN line.qty_on_hand < line.qty_product THEN line.qty_product * line.list_price ELSE 0 END
           AS amount_not_in_stock,
       NULL::int AS nbr_needs, NULL::int AS nbr_needs_converted, NULL::int AS nbr_needs_with_duplicates,
       NULL::numeric AS rate_converted,
       CASE WHEN need.deal_id IS NOT NULL THEN need.id END AS converted_need_id,
       CASE WHEN need.state IN ('converted', 'lost', 'duplicate') THEN need.id END AS closed_need_id,
       duplicated.need_id AS duplicated_need_id
  FROM medcrm_need need
  LEFT JOIN line ON line.need_id = need.id
  JOIN res_partner partner ON partner.id = need.partner_id
  JOIN res_company company ON company.id = need.company_id
  LEFT JOIN duplicated ON duplicated.need_id = need.id
"""
        )
