from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# Fields 1C is the master of: on a mirrored partner, only the bridge (sudo) and administrators change them.
MIRRORED_FIELDS = (
    "name",
    "vat",
    "medcrm_kpp",
    "is_company",
    "company_type",
    "parent_id",
    "street",
    "city",
    "phone",
    "email",
    "function",
    "active",
    "medcrm_1c_guid",
    "medcrm_1c_full_name",
)


class ResPartner(models.Model):
    _inherit = "res.partner"
    # official names as 1C keeps them (НаименованиеПолное): longer than the input guard's default
    _medcrm_text_limits = {"medcrm_1c_full_name": 2000}

    medcrm_1c_guid = fields.Char(
        string="1C reference",
        copy=False,
        readonly=True,
        help="Reference (Ref_Key) of the counterparty or contact person in 1C. Set: the partner is a mirror of 1C.",
    )
    medcrm_1c_version = fields.Char(string="1C data version", copy=False, readonly=True)
    medcrm_1c_full_name = fields.Char(string="Full name in 1C", help="Official name (НаименованиеПолное) in 1C.")
    medcrm_1c_synced_at = fields.Datetime(string="Read from 1C on", copy=False, readonly=True)
    medcrm_1c_mirrored = fields.Boolean(
        string="Kept in 1C", compute="_compute_medcrm_1c_mirrored", search="_search_medcrm_1c_mirrored"
    )

    _sql_constraints = [
        ("medcrm_1c_guid_uniq", "unique(medcrm_1c_guid)", "Another partner mirrors this 1C counterparty."),
    ]

    def init(self):
        res = super().init()
        # Never two mirrors of one organisation: one INN+KPP among companies mirrored from 1C.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS res_partner_medcrm_1c_inn_kpp_uniq "
                "ON res_partner (vat, COALESCE(medcrm_kpp, '')) "
                "WHERE medcrm_1c_guid IS NOT NULL AND parent_id IS NULL AND vat IS NOT NULL AND active"
            )
        )
        return res

    @api.depends("medcrm_1c_guid")
    def _compute_medcrm_1c_mirrored(self):
        for partner in self:
            partner.medcrm_1c_mirrored = bool(partner.medcrm_1c_guid)

    def _search_medcrm_1c_mirrored(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on 'Kept in 1C'."))
        positive = (operator == "=") == bool(value)
        return [("medcrm_1c_guid", "!=" if positive else "=", False)]

    # --- read-only mirrors ------------------------------------------------------------------------------------
    def _medcrm_1c_may_edit_mirror(self):
        return self.env.su or self.env.user.has_group("base.group_system")

    def write(self, vals):
        if not self._medcrm_1c_may_edit_mirror() and set(vals) & set(MIRRORED_FIELDS):
            for partner in self.filtered("medcrm_1c_guid"):
                changed = [name for name in MIRRORED_FIELDS if name in vals and _differs(partner, name, vals[name])]
                if changed:
                    raise AccessError(
                        self.env._(
                            "%(partner)s is kept in 1C: change %(fields)s in 1C, the CRM receives it at the next "
                            "exchange.",
                            partner=partner.display_name,
                            fields=", ".join(
                                partner._fields[name].get_description(self.env)["string"] for name in changed
                            ),
                        )
                    )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_medcrm_1c_mirror(self):
        if not self._medcrm_1c_may_edit_mirror() and self.filtered("medcrm_1c_guid"):
            raise AccessError(self.env._("Counterparties kept in 1C are deleted in 1C, not in the CRM."))

    # --- 1C -> CRM ---------------------------------------------------------------------------------------------
    @api.model
    def _medcrm_1c_match_counterparty(self, values):
        """The CRM partner a 1C counterparty without a known GUID is, by INN and KPP, or an empty recordset.

        The duplicate helper of medcrm_leads (``_medcrm_find_counterparty_duplicates``) decides, so the bridge and
        the lead screens agree on what a duplicate is; archived partners are found by the search below.
        """
        if not values.get("inn"):
            return self.browse()
        # Only an identity match (same INN and KPP, or same INN without KPP) is the same counterparty;
        # a similar name, mail domain or phone is for a person to judge, not for the exchange.
        matches = self._medcrm_find_counterparty_duplicates(
            {"vat": values["inn"], "medcrm_kpp": values.get("kpp") or False}
        )
        for match in matches:
            partner = match["partner"]
            if match["blocking"] and not partner.medcrm_1c_guid and not partner.parent_id:
                return partner
        domain = [
            ("medcrm_1c_guid", "=", False),
            ("parent_id", "=", False),
            ("vat", "=", values["inn"]),
            ("medcrm_kpp", "=", values.get("kpp") or False),
        ]
        return self.with_context(active_test=False).search(domain, order="id", limit=1)

    @api.model
    def _medcrm_1c_counterparty_values(self, rec):
        russia = self.env.ref("base.ru", raise_if_not_found=False)
        return {
            "name": rec.get("name") or rec.get("full_name") or rec["guid"],
            "medcrm_1c_full_name": rec.get("full_name") or False,
            "is_company": True,  # organisations and sole traders (ИП) alike are counterparties
            "vat": rec.get("inn") or False,
            "medcrm_kpp": rec.get("kpp") or False,
            "street": rec.get("address") or False,
            "city": rec.get("city") or False,
            "country_id": russia.id if russia and rec.get("inn") else False,
            "phone": rec.get("phone") or False,
            "email": rec.get("email") or False,
            "active": not rec.get("deleted"),
            "medcrm_1c_guid": rec["guid"],
            "medcrm_1c_version": rec.get("version") or False,
            "medcrm_export_to_1c": False,
        }

    @api.model
    def _medcrm_1c_contact_values(self, contact, parent):
        return {
            "name": contact.get("name") or contact["guid"],
            "parent_id": parent.id,
            "type": "contact",
            "function": contact.get("function") or False,
            "phone": contact.get("phone") or False,
            "email": contact.get("email") or False,
            "active": not contact.get("deleted"),
            "medcrm_1c_guid": contact["guid"],
        }

    @api.model
    def _medcrm_1c_import_counterparty(self, rec):
        """Create or update the mirror of one 1C counterparty and its contact persons.

        Returns (partner, state), state being "created", "updated" or "unchanged"; only differing values are
        written, so an unchanged counterparty costs no write.

        Runs as superuser; the caller wraps it in a savepoint, so a failure leaves nothing half-written.
        """
        partner_model = self.sudo().with_context(active_test=False, no_vat_validation=True, tracking_disable=True)
        values = partner_model._medcrm_1c_counterparty_values(rec)
        partner = partner_model.search([("medcrm_1c_guid", "=", rec["guid"])], limit=1)
        state = "unchanged"
        if not partner:
            partner = partner_model._medcrm_1c_match_counterparty(rec)
        if partner:
            changes = {name: value for name, value in values.items() if _differs(partner, name, value)}
            if changes:
                partner.write(dict(changes, medcrm_1c_synced_at=fields.Datetime.now()))
                state = "updated"
        else:
            partner = partner_model.create(dict(values, medcrm_1c_synced_at=fields.Datetime.now()))
            state = "created"
        existing = {c.medcrm_1c_guid: c for c in partner.child_ids.with_context(active_test=False) if c.medcrm_1c_guid}
        for contact in rec.get("contacts", []):
            vals = partner_model._medcrm_1c_contact_values(contact, partner)
            child = existing.get(contact["guid"]) or partner_model.search([("medcrm_1c_guid", "=", contact["guid"])])
            if child:
                changes = {name: value for name, value in vals.items() if _differs(child, name, value)}
                if changes:
                    child.write(changes)
                    state = "updated" if state == "unchanged" else state
            else:
                partner_model.create(vals)
                state = "updated" if state == "unchanged" else state
        return partner, state

    # --- CRM -> 1C ----------------------------------------------------------------------------------------------
    def _medcrm_1c_export_values(self):
        """What 1C needs to create the counterparty (the SOAP CreateCounterparty / OData POST body)."""
        self.ensure_one()
        address = ", ".join(p for p in (self.zip, self.state_id.name, self.city, self.street, self.street2) if p)
        return {
            "inn": (self.vat or "").strip(),
            "kpp": (self.medcrm_kpp or "").strip(),
            "name": self.name,
            "full_name": self.medcrm_1c_full_name or self.name,
            "address": address,
            "phone": self.phone or "",
            "email": self.email or "",
        }


def _differs(record, name, value):
    """Whether writing ``value`` to ``record[name]`` would change it (many2one ids and falsy values compared)."""
    field = record._fields[name]
    current = record[name]
    if field.type == "many2one":
        current = current.id
        value = value.id if isinstance(value, models.BaseModel) else value
    if field.type in ("char", "text", "html", "selection", "many2one", "date", "datetime"):
        return (current or False) != (value or False)
    return current != value
