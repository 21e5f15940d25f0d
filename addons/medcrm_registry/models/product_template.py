"""Each product's РУ matched against the register, in bulk.

The status is stored on the product and refreshed in bulk (:meth:`_medcrm_registry_match`): after each
register import, after each product sync from 1C (the bridge writes products by SQL), when a product's
number or manufacturer changes, daily (certificates expire as time passes), and for the products of a
КП or an order right before it is sent or confirmed.
"""

import io

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .registry_format import normalize_number, producer_matches

REGISTRY_STATUS = [
    ("valid", "Valid"),
    ("expired", "Expired"),
    ("annulled", "Annulled"),
    ("not_found", "Not found"),
    ("unrecognized", "Number not recognized"),
    ("none", "No certificate"),
    ("unchecked", "Not checked"),
]
# A КП or an order with one of these cannot be sent or confirmed without the sales head's override.
NULL = "\\N"
BLOCKING_STATUSES = ("expired", "annulled", "not_found", "unrecognized")


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # Kept in medcrm_registry_product_check (one narrow row per product), not in product_template: a match of the
    # whole catalogue then rewrites a small table instead of 100,000 wide rows and their many indexes.
    medcrm_registry_status = fields.Selection(
        REGISTRY_STATUS,
        string="Certificate status",
        compute="_compute_medcrm_registry_check",
        search="_search_medcrm_registry_status",
        help="The product's registration certificate (РУ) checked against the state register: valid, expired, "
        "annulled, not found, number not recognized; «Not checked» until the register is imported.",
    )
    medcrm_registry_certificate_id = fields.Many2one(
        "medcrm.registry.certificate",
        string="Certificate in the register",
        compute="_compute_medcrm_registry_check",
        search="_search_medcrm_registry_certificate_id",
    )
    medcrm_registry_producer_mismatch = fields.Boolean(
        string="Producer differs",
        compute="_compute_medcrm_registry_check",
        search="_search_medcrm_registry_producer_mismatch",
        help="The register names a producer that is not the product's manufacturer.",
    )
    medcrm_registry_valid_until_register = fields.Date(
        related="medcrm_registry_certificate_id.date_end", string="Valid until (register)"
    )
    medcrm_registry_date_register = fields.Date(
        related="medcrm_registry_certificate_id.registration_date", string="Registered on (register)"
    )
    medcrm_registry_holder = fields.Text(
        related="medcrm_registry_certificate_id.applicant", string="Certificate holder"
    )
    medcrm_registry_producer = fields.Text(
        related="medcrm_registry_certificate_id.producer", string="Producer (register)"
    )
    medcrm_registry_device_name = fields.Text(
        related="medcrm_registry_certificate_id.device_name", string="Device name (register)"
    )
    medcrm_registry_problem = fields.Boolean(
        string="Certificate problem",
        compute="_compute_medcrm_registry_problem",
        search="_search_medcrm_registry_problem",
    )

    @api.depends("medcrm_registry_code")
    def _compute_medcrm_registry_check(self):
        ids = [product_id for product_id in self._origin.ids if product_id]
        rows = {}
        if ids:
            self.env.cr.execute(
                "SELECT product_tmpl_id, status, certificate_id, producer_mismatch FROM medcrm_registry_product_check "
                "WHERE product_tmpl_id = ANY(%s)",
                [ids],
            )
            rows = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        certificates = self.env["medcrm.registry.certificate"]
        for product in self:
            status, certificate_id, mismatch = rows.get(product._origin.id, (None, None, False))
            product.medcrm_registry_status = status or ("unchecked" if product.medcrm_registry_code else "none")
            product.medcrm_registry_certificate_id = certificates.browse(certificate_id)
            product.medcrm_registry_producer_mismatch = bool(mismatch)

    def _search_medcrm_registry_check(self, column, values, positive):
        self.env.cr.execute(
            SQL(
                "SELECT product_tmpl_id FROM medcrm_registry_product_check WHERE %s = ANY(%s)",
                SQL.identifier(column),
                list(values),
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        return [("id", "in" if positive else "not in", ids)]

    def _search_medcrm_registry_status(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the certificate status."))
        values = [value] if isinstance(value, str) or not value else list(value)
        return self._search_medcrm_registry_check("status", values, operator in ("=", "in"))

    def _search_medcrm_registry_certificate_id(self, operator, value):
        if operator in ("=", "!=") and not value:
            self.env.cr.execute(
                "SELECT product_tmpl_id FROM medcrm_registry_product_check WHERE certificate_id IS NOT NULL"
            )
            ids = [row[0] for row in self.env.cr.fetchall()]
            return [("id", "not in" if operator == "=" else "in", ids)]
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("Unsupported search on the certificate status."))
        values = [value] if isinstance(value, int) else list(value)
        return self._search_medcrm_registry_check("certificate_id", values, operator in ("=", "in"))

    def _search_medcrm_registry_producer_mismatch(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on the certificate status."))
        return self._search_medcrm_registry_check("producer_mismatch", [True], (operator == "=") == bool(value))

    @api.depends("medcrm_registry_status")
    def _compute_medcrm_registry_problem(self):
        for product in self:
            product.medcrm_registry_problem = product.medcrm_registry_status in BLOCKING_STATUSES

    def _search_medcrm_registry_problem(self, operator, value):
        positive = (operator == "=") == bool(value)
        return self._search_medcrm_registry_check("status", BLOCKING_STATUSES, positive)

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._medcrm_registry_match()
        return products

    def write(self, vals):
        result = super().write(vals)
        if {"medcrm_registry_code", "medcrm_manufacturer_id", "active"} & set(vals):
            self._medcrm_registry_match()
        return result

    # ------------------------------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------------------------------

    @api.model
    def _cron_medcrm_registry_match(self):
        self._medcrm_registry_match()

    def _medcrm_registry_match(self, today=None):
        """Match the products of ``self`` (all products when called on an empty recordset from the model)
        against the register; write what changed in one UPDATE. Returns the number of products checked."""
        cr = self.env.cr
        self.flush_model(["medcrm_registry_code", "medcrm_manufacturer_id"])
        today = today or fields.Date.context_today(self)
        if self:
            cr.execute(
                "SELECT id, medcrm_registry_code, medcrm_manufacturer_id FROM product_template WHERE id = ANY(%s)",
                [self.ids],
            )
        else:
            cr.execute("SELECT id, medcrm_registry_code, medcrm_manufacturer_id FROM product_template")
        products = cr.fetchall()
        if not products:
            return 0
        cr.execute("SELECT EXISTS (SELECT 1 FROM medcrm_registry_certificate)")
        register_loaded = cr.fetchone()[0]
        cr.execute("SELECT id, name FROM medcrm_manufacturer")
        makers = dict(cr.fetchall())
        keys = {}
        for _id, code, _maker in products:
            if code and code not in keys:
                keys[code] = normalize_number(code)
        certificates = {}
        if register_loaded and keys:
            cr.execute(
                "SELECT number_key, id, date_end, annulled, producer FROM medcrm_registry_certificate "
                "WHERE number_key = ANY(%s)",
                [list({key for key, _ok in keys.values() if key})],
            )
            certificates = {row[0]: row[1:] for row in cr.fetchall()}
        mismatch_cache = {}
        buffer = io.StringIO()
        for product_id, code, maker_id in products:
            cert_id = None
            mismatch = False
            if not code or not code.strip():
                status = "none"
            elif not register_loaded:
                status = "unchecked"
            else:
                key, recognized = keys[code]
                found = certificates.get(key)
                if found:
                    cert_id, date_end, annulled, producer = found
                    if annulled:
                        status = "annulled"
                    elif date_end and date_end < today:
                        status = "expired"
                    else:
                        status = "valid"
                    maker = makers.get(maker_id)
                    if producer and maker:
                        pair = (cert_id, maker_id)
                        if pair not in mismatch_cache:
                            mismatch_cache[pair] = not producer_matches(producer, maker)
                        mismatch = mismatch_cache[pair]
                else:
                    status = "not_found" if recognized else "unrecognized"
            buffer.write(f"{product_id}\t{status}\t{cert_id or NULL}\t{'t' if mismatch else 'f'}\n")
        cr.execute("DROP TABLE IF EXISTS medcrm_registry_match")
        cr.execute(
            "CREATE TEMP TABLE medcrm_registry_match (id int4, status varchar, certificate_id int4, mismatch bool)"
        )
        buffer.seek(0)
        cr._obj.copy_expert("COPY medcrm_registry_match (id, status, certificate_id, mismatch) FROM STDIN", buffer)
        cr.execute(
            """
            INSERT INTO medcrm_registry_product_check AS c (product_tmpl_id, status, certificate_id, producer_mismatch)
                 SELECT id, status, certificate_id, mismatch FROM medcrm_registry_match
            ON CONFLICT (product_tmpl_id) DO UPDATE
                    SET status = EXCLUDED.status, certificate_id = EXCLUDED.certificate_id,
                        producer_mismatch = EXCLUDED.producer_mismatch
                  WHERE (c.status, c.certificate_id, c.producer_mismatch)
                        IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.certificate_id, EXCLUDED.producer_mismatch)
            """
        )
        cr.execute("DROP TABLE medcrm_registry_match")
        written = ["medcrm_registry_status", "medcrm_registry_certificate_id", "medcrm_registry_producer_mismatch"]
        self.env["product.template"].invalidate_model(written)
        self.env["product.product"].invalidate_model(written)  # the variants' inherited copies
        return len(products)


class MedcrmRegistryProductCheck(models.Model):
    """The result of the match of one product: written only by :meth:`ProductTemplate._medcrm_registry_match`."""

    _name = "medcrm.registry.product.check"
    _description = "Certificate check of a product"
    _log_access = False

    product_tmpl_id = fields.Many2one("product.template", string="Product", required=True, ondelete="cascade")
    status = fields.Selection(REGISTRY_STATUS, required=True)
    certificate_id = fields.Many2one(
        "medcrm.registry.certificate",
        string="Certificate in the register",
        ondelete="set null",
        index="btree_not_null",
    )
    producer_mismatch = fields.Boolean(string="Producer differs")

    _sql_constraints = [
        ("product_tmpl_uniq", "unique(product_tmpl_id)", "A product has one certificate check."),
    ]
