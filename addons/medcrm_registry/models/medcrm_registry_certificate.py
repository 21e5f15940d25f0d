from odoo import api, fields, models

STATUS = [("valid", "Valid"), ("expired", "Expired"), ("annulled", "Annulled")]


class MedcrmRegistryCertificate(models.Model):
    """A registration certificate (РУ) of the state register of medical devices, as imported from
    Roszdravnadzor's open data. Written only by the import (bulk SQL); read by every internal user."""

    _name = "medcrm.registry.certificate"
    _description = "Registration certificate (state register)"
    _order = "registration_date desc, id desc"
    _rec_name = "name"

    name = fields.Char(string="Certificate number", required=True, readonly=True, help="As published in the register.")
    number_key = fields.Char(
        string="Normalized number",
        required=True,
        readonly=True,
        help="The number the products are matched by: Cyrillic letters, one space, no «№», no leading zeros.",
    )
    unique_number = fields.Char(string="Register entry", readonly=True)
    registration_date = fields.Date(string="Registered on", readonly=True)
    date_end = fields.Date(string="Valid until", readonly=True, help="Empty: the certificate is unlimited.")
    device_name = fields.Text(string="Medical device", readonly=True)
    applicant = fields.Text(string="Holder", readonly=True, help="The applicant (holder of the certificate).")
    applicant_address = fields.Text(string="Holder's address", readonly=True)
    producer = fields.Text(readonly=True)
    producer_address = fields.Text(string="Producer's address", readonly=True)
    okp = fields.Char(string="OKP code", readonly=True)
    risk_class = fields.Char(string="Risk class", readonly=True)
    appointment = fields.Text(string="Purpose", readonly=True)
    kind = fields.Char(readonly=True)
    address_production = fields.Text(string="Production site", readonly=True)
    details = fields.Text(readonly=True)
    annulled = fields.Boolean(readonly=True, help="The register says the certificate is annulled.")
    row_hash = fields.Char(readonly=True, help="Fingerprint of the published row: an unchanged row is not rewritten.")
    import_id = fields.Many2one("medcrm.registry.import", string="Last changed by import", readonly=True, index=True)
    status = fields.Selection(STATUS, compute="_compute_status", search="_search_status")

    _sql_constraints = [
        ("number_key_uniq", "unique(number_key)", "The register holds this certificate number already."),
    ]

    @api.depends("date_end", "annulled")
    @api.depends_context("date")
    def _compute_status(self):
        today = fields.Date.context_today(self)
        for cert in self:
            cert.status = cert._status_on(today)

    def _status_on(self, day):
        if self.annulled:
            return "annulled"
        if self.date_end and self.date_end < day:
            return "expired"
        return "valid"

    def _search_status(self, operator, value):
        today = fields.Date.context_today(self)
        domains = {
            "annulled": [("annulled", "=", True)],
            "expired": [("annulled", "=", False), ("date_end", "<", today)],
            "valid": [("annulled", "=", False), "|", ("date_end", "=", False), ("date_end", ">=", today)],
        }
        values = [value] if isinstance(value, str) else list(value or [])
        if operator in ("=", "in"):
            result = []
            for val in values:
                result = ["|", *result, *domains[val]] if result else domains[val]
            return result or [("id", "=", 0)]
        if operator in ("!=", "not in"):
            ids = self.search(self._search_status("in", values)).ids
            return [("id", "not in", ids)]
        return [("id", "=", 0)]
