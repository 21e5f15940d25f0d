from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize

from ..tools import counterparty


class MedcrmCounterpartyWizard(models.TransientModel):
    """Counterparty (company) and contact from a lead and the requisites the client sent.

    Before anything is created the counterparty duplicate check runs (INN, INN+KPP, name, e-mail domain,
    phone): on a match the lead is linked to the existing company and the user is told why.
    """

    _name = "medcrm.counterparty.wizard"
    _description = "Counterparty and contact from a lead"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade")
    # Requisites of the company
    company_name = fields.Char(string="Company name", required=True)
    inn = fields.Char(string="INN", help="10 digits for an organisation, 12 for an individual entrepreneur.")
    kpp = fields.Char(string="KPP", help="9 characters; none for an individual entrepreneur.")
    street = fields.Char(string="Address")
    city = fields.Char()
    zip = fields.Char(string="ZIP")
    company_email = fields.Char(string="Company e-mail")
    company_phone = fields.Char(string="Company phone")
    # Contact person
    contact_name = fields.Char(string="Contact name")
    contact_function = fields.Char(string="Job position")
    contact_email = fields.Char(string="Contact e-mail")
    contact_phone = fields.Char(string="Contact phone")
    # Duplicate check
    match_partner_ids = fields.Many2many(
        "res.partner", string="Existing counterparties", compute="_compute_matches", compute_sudo=False
    )
    match_summary = fields.Html(string="Duplicate check", compute="_compute_matches", sanitize=True)
    match_blocking = fields.Boolean(string="Blocking match", compute="_compute_matches")
    existing_partner_id = fields.Many2one(
        "res.partner",
        string="Link to",
        compute="_compute_existing_partner_id",
        readonly=False,
        store=True,
        domain="[('id', 'in', match_partner_ids)]",
        help="The existing counterparty the lead will be linked to instead of creating a new one.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        lead = self.env["crm.lead"].browse(values.get("lead_id") or self.env.context.get("default_lead_id"))
        if lead:
            company = lead.partner_id.commercial_partner_id if lead.partner_id.is_company else lead.partner_id.parent_id
            values.setdefault("company_name", company.name or lead.partner_name)
            values.setdefault("street", lead.street)
            values.setdefault("city", lead.city)
            values.setdefault("zip", lead.zip)
            values.setdefault("contact_name", lead.contact_name)
            values.setdefault("contact_function", lead.function)
            values.setdefault("contact_email", lead.email_from)
            values.setdefault("contact_phone", lead.phone or lead.mobile)
        return {name: value for name, value in values.items() if name in fields_list}

    @api.depends("company_name", "inn", "kpp", "company_email", "company_phone", "contact_email", "contact_phone")
    def _compute_matches(self):
        for wizard in self:
            try:
                matches = wizard._find_matches()
            except ValidationError as error:
                wizard.match_partner_ids = False
                wizard.match_blocking = False
                wizard.match_summary = Markup('<p class="text-danger">%s</p>') % error.args[0]
                continue
            wizard.match_partner_ids = [match["partner"].id for match in matches]
            wizard.match_blocking = any(match["blocking"] for match in matches)
            if matches:
                wizard.match_summary = Markup("<p>%s</p><ul>%s</ul>") % (
                    self.env._("This counterparty already exists; the lead will be linked to it:"),
                    Markup().join(Markup("<li>%s</li>") % match["message"] for match in matches),
                )
            else:
                wizard.match_summary = Markup("<p>%s</p>") % self.env._(
                    "No existing counterparty matches: a new one will be created and exported to 1C."
                )

    @api.depends("match_partner_ids")
    def _compute_existing_partner_id(self):
        for wizard in self:
            if wizard.existing_partner_id not in wizard.match_partner_ids:
                wizard.existing_partner_id = wizard.match_partner_ids[:1]

    def _find_matches(self):
        self.ensure_one()
        return self.env["res.partner"]._medcrm_find_counterparty_duplicates(
            {
                "name": self.company_name,
                "vat": self.inn,
                "medcrm_kpp": self.kpp,
                "email": self.company_email or self.contact_email,
                "phone": self.company_phone or self.contact_phone,
            }
        )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_apply(self):
        self.ensure_one()
        if self.kpp and not counterparty.is_valid_kpp(self.kpp):
            raise ValidationError(self.env["res.partner"]._medcrm_kpp_error(self.kpp))
        matches = self._find_matches()  # raises the clear INN error before anything is created
        by_partner = {match["partner"]: match for match in matches}
        company = self.existing_partner_id if self.existing_partner_id in by_partner else False
        if not company and matches:
            company = matches[0]["partner"]
        if company:
            explanation = by_partner[company]["message"]
        else:
            company = self.env["res.partner"].create(self._prepare_company_values())
            explanation = False
        contact = self._find_or_create_contact(company)
        lead = self.lead_id
        lead.write({"partner_id": (contact or company).id, "partner_name": company.name})
        if explanation:
            body = self.env._(
                "Counterparty found, no new one created: %(company)s. Why: %(why)s",
                company=company.name,
                why=explanation,
            )
        else:
            body = self.env._(
                "New counterparty %(company)s created from the lead; it waits for export to 1C.", company=company.name
            )
        lead._message_log(body=body)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if explanation else "success",
                "title": self.env._("Existing counterparty") if explanation else self.env._("Counterparty created"),
                "message": body,
                "sticky": bool(explanation),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _prepare_company_values(self):
        self.ensure_one()
        return {
            "name": self.company_name.strip(),
            "is_company": True,
            "country_id": self.env.ref("base.ru").id,
            "vat": self.env["res.partner"]._medcrm_check_inn(self.inn) or False,
            "medcrm_kpp": counterparty.normalize_kpp(self.kpp) or False,
            "street": self.street,
            "city": self.city,
            "zip": self.zip,
            "email": self.company_email,
            "phone": self.company_phone,
            "lang": self.lead_id.lang_code or "ru_RU",
            "user_id": self.lead_id.user_id.id,
            "medcrm_export_to_1c": True,
        }

    def _find_or_create_contact(self, company):
        """The contact person under the company: an existing one with the same e-mail, phone or name, else new."""
        self.ensure_one()
        if not self.contact_name:
            return self.env["res.partner"]
        email = email_normalize(self.contact_email)
        phone = counterparty.phone_key(self.contact_phone)
        name = " ".join(self.contact_name.lower().split())
        for contact in company.child_ids.filtered(lambda child: not child.is_company):
            if (
                (email and contact.email_normalized == email)
                or (phone and contact.medcrm_phone_key == phone)
                or " ".join((contact.name or "").lower().split()) == name
            ):
                return contact
        return self.env["res.partner"].create(
            {
                "name": self.contact_name.strip(),
                "parent_id": company.id,
                "type": "contact",
                "function": self.contact_function,
                "email": self.contact_email,
                "phone": self.contact_phone,
                "lang": company.lang,
            }
        )
