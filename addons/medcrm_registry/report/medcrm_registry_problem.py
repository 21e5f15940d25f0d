from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.product_template import BLOCKING_STATUSES, REGISTRY_STATUS


class MedcrmRegistryProblem(models.Model):
    """Products with a certificate problem and the open needs and deals (quotations, orders) holding them.

    One row per product and document; a product no open document holds has one row without document."""

    _name = "medcrm.registry.problem"
    _description = "Certificate problems"
    _auto = False
    _order = "product_tmpl_id, need_id, order_id"
    _depends = {
        "product.template": ["active", "medcrm_registry_code"],
        "medcrm.registry.product.check": ["product_tmpl_id", "status", "producer_mismatch"],
        "product.product": ["product_tmpl_id"],
        "medcrm.need.line": ["product_id", "need_id", "state", "deal_id", "partner_id", "user_id", "company_id"],
        "sale.order": ["state", "medcrm_need_id", "opportunity_id", "partner_id", "user_id", "company_id"],
        "sale.order.line": ["order_id", "product_id", "qty_delivered", "product_uom_qty"],
    }

    product_tmpl_id = fields.Many2one("product.template", string="Product", readonly=True)
    registry_code = fields.Char(string="Registration certificate", readonly=True)
    status = fields.Selection(REGISTRY_STATUS, string="Certificate status", readonly=True)
    producer_mismatch = fields.Boolean(string="Producer differs", readonly=True)
    document = fields.Selection(
        [("need", "Need"), ("order", "Quotation / order"), ("none", "No open document")], readonly=True
    )
    need_id = fields.Many2one("medcrm.need", readonly=True)
    order_id = fields.Many2one("sale.order", string="Quotation / order", readonly=True)
    deal_id = fields.Many2one("crm.lead", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Counterparty", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible manager", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %s AS (
                WITH problem AS (
                    SELECT t.id AS tmpl_id, t.medcrm_registry_code AS code, c.status AS status,
                           c.producer_mismatch AS mismatch
                      FROM product_template t
                      JOIN medcrm_registry_product_check c ON c.product_tmpl_id = t.id
                     WHERE t.active AND (c.status IN %s OR c.producer_mismatch)
                ), docs AS (
                    SELECT DISTINCT pp.product_tmpl_id AS tmpl_id, 'need' AS document, l.need_id AS need_id,
                           NULL::int4 AS order_id, l.deal_id AS deal_id, l.partner_id AS partner_id,
                           l.user_id AS user_id, l.company_id AS company_id
                      FROM medcrm_need_line l
                      JOIN product_product pp ON pp.id = l.product_id
                     WHERE l.state IN ('draft', 'open')
                    UNION ALL
                    SELECT DISTINCT pp.product_tmpl_id, 'order', so.medcrm_need_id, so.id, so.opportunity_id,
                           so.partner_id, so.user_id, so.company_id
                      FROM sale_order_line sol
                      JOIN sale_order so ON so.id = sol.order_id
                      JOIN product_product pp ON pp.id = sol.product_id
                     WHERE so.state IN ('draft', 'sent', 'sale')
                       AND (so.state != 'sale' OR sol.qty_delivered < sol.product_uom_qty)
                )
                -- a stable id (not row_number(): ids must survive a second query): product, kind, document
                SELECT (p.tmpl_id::int8 << 33)
                       | (CASE d.document WHEN 'order' THEN 1::int8 << 32 ELSE 0 END)
                       | COALESCE(CASE d.document WHEN 'order' THEN d.order_id ELSE d.need_id END, 0)::int8 AS id,
                       p.tmpl_id AS product_tmpl_id, p.code AS registry_code,
                       p.status AS status, p.mismatch AS producer_mismatch,
                       COALESCE(d.document, 'none') AS document, d.need_id, d.order_id, d.deal_id,
                       d.partner_id, d.user_id, d.company_id
                  FROM problem p
             LEFT JOIN docs d ON d.tmpl_id = p.tmpl_id
            )
            """,
                SQL.identifier(self._table),
                tuple(BLOCKING_STATUSES),
            )
        )
