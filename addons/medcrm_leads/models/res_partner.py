import logging

import stdnum.util as stdnum_util
from psycopg2 import errors as pg_errors
from stdnum.ru import inn as stdnum_inn

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import counterparty

_logger = logging.getLogger(__name__)

# Strongest reason first: the duplicate check answers with the best reason for each company.
MATCH_REASONS = ("inn_kpp", "inn", "inn_other_kpp", "name", "email_domain", "phone")
# An identity match: the same legal entity and registration (the uniqueness constraint would refuse it).
BLOCKING_REASONS = ("inn_kpp", "inn")
# Fields that make a partner a counterparty with a given INN and KPP.
UNIQUE_KEY_FIELDS = {"vat", "medcrm_kpp", "is_company", "country_id", "active"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # INN is Odoo's `vat` (validated by base_vat with python-stdnum); KPP has no Odoo field.
    medcrm_kpp = fields.Char(
        string="KPP",
        size=9,
        index="btree_not_null",
        help="Tax registration reason code (КПП) of a Russian organisation: 9 characters.",
    )
    # Counterparties are mastered in 1C: one made in the CRM (from a lead, after the duplicate check)
    # waits here until the 1C bridge has exported it and received its 1C GUID.
    medcrm_export_to_1c = fields.Boolean(
        string="To export to 1C",
        copy=False,
        index=True,
        help="Created in the CRM and not yet exported to 1C; the 1C bridge exports it and clears the flag.",
    )
    # Comparable keys of the requisites, stored so that the duplicate check is a few index lookups.
    medcrm_inn = fields.Char(
        string="INN (normalised)",
        compute="_compute_medcrm_inn",
        store=True,
        index="btree_not_null",
        help="The INN of a Russian partner as digits, when it passes its checksum.",
    )
    medcrm_name_key = fields.Char(
        string="Name key",
        compute="_compute_medcrm_name_key",
        store=True,
        index="btree_not_null",
        help="Company name without case, quotes and legal form, for the duplicate check.",
    )
    medcrm_email_domain = fields.Char(
        string="E-mail domain",
        compute="_compute_medcrm_email_domain",
        store=True,
        index="btree_not_null",
        help="Domain of the partner's e-mail unless it is a public mail service.",
    )
    medcrm_phone_key = fields.Char(
        string="Phone key",
        compute="_compute_medcrm_phone_key",
        store=True,
        index="btree_not_null",
        help="Phone digits without extension, for the duplicate check.",
    )

    @api.depends("vat", "country_id")
    def _compute_medcrm_inn(self):
        for partner in self:
            partner.medcrm_inn = partner._medcrm_inn_of(partner.vat, partner.country_id)

    @api.depends("name", "is_company")
    def _compute_medcrm_name_key(self):
        for partner in self:
            partner.medcrm_name_key = counterparty.name_key(partner.name) if partner.is_company else False

    @api.depends("email")
    def _compute_medcrm_email_domain(self):
        public_domains = self._medcrm_public_mail_domains()
        for partner in self:
            partner.medcrm_email_domain = counterparty.email_domain(partner.email, public_domains) or False

    @api.depends("phone")
    def _compute_medcrm_phone_key(self):
        for partner in self:
            partner.medcrm_phone_key = counterparty.phone_key(partner.phone) or False

    @api.constrains("medcrm_kpp")
    def _check_medcrm_kpp(self):
        for partner in self.filtered("medcrm_kpp"):
            if not counterparty.is_valid_kpp(partner.medcrm_kpp):
                raise ValidationError(self._medcrm_kpp_error(partner.medcrm_kpp))

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def _auto_init(self):
        res = super()._auto_init()
        # The constraint above gives the clear message; this index holds against two simultaneous creations.
        # A database that already holds duplicates keeps working: the index then waits for them to be merged.
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    """
                    CREATE UNIQUE INDEX IF NOT EXISTS res_partner_medcrm_counterparty_uniq
                        ON res_partner (medcrm_inn, COALESCE(medcrm_kpp, ''))
                     WHERE is_company AND active AND medcrm_inn IS NOT NULL
                    """
                )
        except pg_errors.UniqueViolation:
            _logger.warning("Duplicate counterparties (same INN and KPP) exist: the unique index is not created.")
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("vat"):
                vals["vat"] = counterparty.clean_inn(vals["vat"])
            if vals.get("medcrm_kpp"):
                vals["medcrm_kpp"] = counterparty.normalize_kpp(vals["medcrm_kpp"])
        self._medcrm_check_counterparty_unique([(self.browse(), vals) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("vat"):
            vals["vat"] = counterparty.clean_inn(vals["vat"])
        if vals.get("medcrm_kpp"):
            vals["medcrm_kpp"] = counterparty.normalize_kpp(vals["medcrm_kpp"])
        if UNIQUE_KEY_FIELDS & vals.keys():
            self._medcrm_check_counterparty_unique([(partner, vals) for partner in self])
        return super().write(vals)

    # ------------------------------------------------------------
    # INN VALIDATION (base_vat)
    # ------------------------------------------------------------

    def check_vat_ru(self, vat):
        """Russian INN: 10 digits (organisation) or 12 (individual entrepreneur), with check digits."""
        return stdnum_inn.is_valid(vat)

    @api.model
    def _run_vat_test(self, vat_number, default_country, partner_is_company=True):
        """An INN is checked whenever the number looks like a Russian INN (10 or 12 digits): with no country
        (base_vat then accepts anything), with Russia, or with a country that has no rule of its own."""
        result = super()._run_vat_test(vat_number, default_country, partner_is_company=partner_is_company)
        inn = counterparty.clean_inn(vat_number)
        if not (isinstance(inn, str) and inn.isdigit() and len(inn) in (10, 12)):
            return result
        if stdnum_inn.is_valid(inn):
            return result or "ru"
        code = default_country.code.lower() if default_country else None
        if not code or code == "ru" or not self._medcrm_has_vat_rule(code):
            return False
        return result

    @api.model
    def _medcrm_has_vat_rule(self, country_code):
        return bool(
            getattr(self, f"check_vat_{country_code}", None)
            or getattr(stdnum_util.get_cc_module(country_code, "vat"), "is_valid", None)
        )

    @api.model
    def _build_vat_error_message(self, country_code, wrong_vat, record_label):
        if country_code not in (None, "ru"):
            return super()._build_vat_error_message(country_code, wrong_vat, record_label)
        return "\n" + self._medcrm_inn_error(wrong_vat)

    # ------------------------------------------------------------
    # COUNTERPARTY DUPLICATES
    # ------------------------------------------------------------

    @api.model
    def _medcrm_check_counterparty_unique(self, partner_vals):
        """Counterparties are unique: one active company per INN and KPP (per INN when it has no KPP).

        Checked on the values about to be written, before the database sees them, so that the user gets
        this clear message rather than the unique index's.

        :param list partner_vals: ``(partner, vals)`` pairs; an empty partner for a creation
        :raise ValidationError: the INN and KPP are those of another active company
        """
        seen = {}
        written = self.browse([partner.id for partner, _vals in partner_vals if partner])
        for partner, vals in partner_vals:
            is_company = vals.get("is_company", partner.is_company)
            active = vals.get("active", partner.active if partner else True)
            if not (is_company and active):
                continue
            vat = vals.get("vat", partner.vat)
            country = self.env["res.country"].browse(vals["country_id"]) if "country_id" in vals else partner.country_id
            inn = self._medcrm_inn_of(vat, country)
            if not inn:
                continue
            kpp = counterparty.normalize_kpp(vals.get("medcrm_kpp", partner.medcrm_kpp))
            twin = seen.get((inn, kpp)) or self.with_context(active_test=True).search(
                [
                    ("id", "not in", written.ids),
                    ("is_company", "=", True),
                    ("medcrm_inn", "=", inn),
                    ("medcrm_kpp", "=", kpp or False),
                ],
                limit=1,
            )
            if twin:
                raise ValidationError(self._medcrm_twin_message(twin, inn, kpp))
            seen[(inn, kpp)] = partner or self.new({"name": vals.get("name")})

    @api.model
    def _medcrm_check_inn(self, value):
        """The INN typed in any usual way, as digits; a clear error (in the user's language) when it is wrong.

        :param str value: e.g. "7701526010", "ИНН 7701 526 010", "RU7701526010"
        :return str: the INN as digits, or "" when no INN is given
        :raise ValidationError: not digits, wrong length or wrong check digits
        """
        if not value or not str(value).strip():
            return ""
        inn = counterparty.clean_inn(value)
        if not stdnum_inn.is_valid(inn):
            raise ValidationError(self._medcrm_inn_error(value))
        return inn

    @api.model
    def _medcrm_inn_error(self, value):
        inn = counterparty.clean_inn(value) or ""
        if not inn.isdigit():
            return self.env._(
                "INN «%(inn)s» is not valid: an INN is made of digits only, "
                "10 for an organisation or 12 for an individual entrepreneur.",
                inn=value,
            )
        if len(inn) not in (10, 12):
            return self.env._(
                "INN «%(inn)s» has %(count)s digits: an organisation's INN has 10 digits, "
                "an individual entrepreneur's 12.",
                inn=value,
                count=len(inn),
            )
        return self.env._(
            "INN «%(inn)s» is not valid: its check digits do not match. Please check it against the requisites.",
            inn=value,
        )

    @api.model
    def _medcrm_kpp_error(self, value):
        return self.env._(
            "KPP «%(kpp)s» is not valid: a KPP has 9 characters, four digits, two digits or capital Latin letters, "
            "then three digits (e.g. 770101001).",
            kpp=value,
        )

    @api.model
    def _medcrm_inn_of(self, vat, country=None):
        """Digits of a valid INN for a Russian partner (or one without country), else False."""
        if not vat or (country and country.code != "RU"):
            return False
        inn = counterparty.clean_inn(vat)
        return inn if stdnum_inn.is_valid(inn) else False

    @api.model
    def _medcrm_public_mail_domains(self):
        extra = self.env["ir.config_parameter"].sudo().get_param("medcrm_leads.public_mail_domains", "")
        return counterparty.PUBLIC_MAIL_DOMAINS | {d.strip().lower() for d in extra.split(",") if d.strip()}

    def _medcrm_find_counterparty_duplicates(self, vals):
        """Companies that already are the counterparty described by ``vals``, each with its reason.

        Used before creating a counterparty from a lead and by the 1C bridge when importing counterparties.
        The records in ``self`` (e.g. the company being edited) are left out.

        :param dict vals: any of ``name``, ``vat`` (INN, in any usual format), ``medcrm_kpp``, ``email``, ``phone``
        :return list[dict]: one entry per matching company, strongest reason first, with keys
            ``partner`` (res.partner), ``reason`` (one of ``MATCH_REASONS``), ``message`` (why, for the user)
            and ``blocking`` (True when it is the same INN and KPP: creating another one is refused)
        :raise ValidationError: the given INN is not a valid INN
        """
        inn = self._medcrm_check_inn(vals.get("vat"))
        kpp = counterparty.normalize_kpp(vals.get("medcrm_kpp"))
        name_key = counterparty.name_key(vals.get("name"))
        domain = counterparty.email_domain(vals.get("email"), self._medcrm_public_mail_domains())
        phone_key = counterparty.phone_key(vals.get("phone"))

        Partner = self.env["res.partner"].with_context(active_test=True)
        found = {}  # company -> reason

        def propose(companies, reason):
            for company in companies:
                if company.id in self.ids or not company.is_company:
                    continue
                # Two valid INNs that differ are two legal entities, whatever their name, mail or phone.
                if reason not in MATCH_REASONS[:3] and inn and company.medcrm_inn and company.medcrm_inn != inn:
                    continue
                if company not in found or MATCH_REASONS.index(reason) < MATCH_REASONS.index(found[company]):
                    found[company] = reason

        if inn:
            for company in Partner.search([("is_company", "=", True), ("medcrm_inn", "=", inn)]):
                same_kpp = (company.medcrm_kpp or "") == kpp
                propose(company, ("inn_kpp" if kpp else "inn") if same_kpp else "inn_other_kpp")
        if name_key:
            propose(Partner.search([("is_company", "=", True), ("medcrm_name_key", "=", name_key)]), "name")
        if domain:
            propose(Partner.search([("medcrm_email_domain", "=", domain)]).commercial_partner_id, "email_domain")
        if phone_key:
            propose(Partner.search([("medcrm_phone_key", "=", phone_key)]).commercial_partner_id, "phone")

        matches = sorted(found.items(), key=lambda item: (MATCH_REASONS.index(item[1]), item[0].id))
        return [
            {
                "partner": company,
                "reason": reason,
                "message": company._medcrm_match_message(reason, inn=inn, kpp=kpp, domain=domain),
                "blocking": reason in BLOCKING_REASONS,
            }
            for company, reason in matches
        ]

    def _medcrm_match_message(self, reason, inn="", kpp="", domain=""):
        self.ensure_one()
        messages = {
            "inn_kpp": lambda: self.env._(
                "«%(name)s» has the same INN %(inn)s and KPP %(kpp)s.", name=self.name, inn=inn, kpp=kpp
            ),
            "inn": lambda: self.env._("«%(name)s» has the same INN %(inn)s.", name=self.name, inn=inn),
            "inn_other_kpp": lambda: self.env._(
                "«%(name)s» has the same INN %(inn)s with another KPP (%(kpp)s): a branch of the same organisation?",
                name=self.name,
                inn=inn,
                kpp=self.medcrm_kpp or self.env._("none"),
            ),
            "name": lambda: self.env._("«%(name)s» has the same name (without legal form and quotes).", name=self.name),
            "email_domain": lambda: self.env._(
                "«%(name)s» uses the same e-mail domain @%(domain)s.", name=self.name, domain=domain
            ),
            "phone": lambda: self.env._("«%(name)s» or one of its contacts has the same phone number.", name=self.name),
        }
        return messages[reason]()

    @api.model
    def _medcrm_twin_message(self, twin, inn, kpp):
        if kpp:
            return self.env._(
                "A counterparty with INN %(inn)s and KPP %(kpp)s already exists: «%(name)s». "
                "Counterparties are not duplicated: use the existing one.",
                inn=inn,
                kpp=kpp,
                name=twin.display_name,
            )
        return self.env._(
            "A counterparty with INN %(inn)s already exists: «%(name)s». "
            "Counterparties are not duplicated: use the existing one.",
            inn=inn,
            name=twin.display_name,
        )
