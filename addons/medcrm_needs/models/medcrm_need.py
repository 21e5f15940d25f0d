from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError


class MedcrmNeed(models.Model):
    """Need (Потребность): the catalogue products a client needs in a period, kept even when nothing is sold.

    An open need is checked for duplicates on every save (see ``medcrm_need_duplicate_check.py``); a
    satisfiable one becomes a deal (crm.lead opportunity) with a quotation, and its number travels to
    the deal, the quotation, the invoice and the 1C documents.
    """

    _name = "medcrm.need"
    _description = "Need"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    # Identification
    name = fields.Char(
        string="Number",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, tracking=True
    )

    # Who
    partner_id = fields.Many2one(
        "res.partner",
        string="Counterparty",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain="[('is_company', '=', True)]",
        help="The client company (counterparty). Counterparties come from 1C or from lead qualification; "
        "they cannot be created from a need.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        tracking=True,
        check_company=True,
        domain="[('parent_id', '=', partner_id), ('is_company', '=', False)]",
        help="A person of the counterparty.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible manager",
        required=True,
        index=True,
        tracking=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales team",
        index=True,
        tracking=True,
        check_company=True,
        compute="_compute_team_id",
        store=True,
        readonly=False,
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Source lead",
        index="btree_not_null",
        tracking=True,
        check_company=True,
        help="The lead (interest) in which the need was identified.",
    )
    # Every deal must say which channel it came from: the need's channel is its lead's, or given by hand
    # for a need found outside a lead (a call to a known client, a visit).
    source_id = fields.Many2one(
        "utm.source",
        compute="_compute_source_id",
        store=True,
        readonly=False,
        ondelete="restrict",
        tracking=True,
        help="Channel the interest came from; taken from the source lead, passed on to the deal.",
    )

    # What and when
    date_from = fields.Date(
        string="Needed from",
        required=True,
        tracking=True,
        default=fields.Date.context_today,
        help="Start of the period in which the client needs the goods.",
    )
    date_to = fields.Date(
        string="Needed until",
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=3),
        help="End of the period in which the client needs the goods.",
    )
    line_ids = fields.One2many("medcrm.need.line", "need_id", string="Products", copy=True)
    line_count = fields.Integer(string="Number of lines", compute="_compute_line_count", store=True)
    description = fields.Html(string="Comments")

    # Life cycle
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("open", "Open"),
            ("duplicate", "Duplicate"),
            ("lost", "Lost / irrelevant"),
            ("converted", "Converted to deal"),
        ],
        string="Status",
        required=True,
        default="draft",
        copy=False,
        index=True,
        tracking=True,
        group_expand=True,
    )
    satisfiable = fields.Boolean(
        copy=False,
        tracking=True,
        help="The need can be satisfied: a deal is created as soon as no open duplicate remains.",
    )
    close_comment = fields.Text(string="Closing comment", copy=False, tracking=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Lost reason", copy=False, tracking=True)
    duplicate_of_need_id = fields.Many2one(
        "medcrm.need", string="Duplicate of need", copy=False, index="btree_not_null", tracking=True
    )
    duplicate_of_deal_id = fields.Many2one(
        "crm.lead", string="Duplicate of deal", copy=False, index="btree_not_null", tracking=True
    )
    deal_id = fields.Many2one("crm.lead", copy=False, readonly=True, index="btree_not_null", tracking=True)
    is_duplicate_candidate = fields.Boolean(
        string="Compared in duplicate checks",
        compute="_compute_is_duplicate_candidate",
        store=True,
        help="Open needs and needs whose deal is still open are compared with every saved need.",
    )

    # Duplicate warnings
    duplicate_warning_ids = fields.One2many("medcrm.need.duplicate", "need_id", string="Possible duplicates")
    duplicate_count = fields.Integer(string="Possible duplicates found", compute="_compute_duplicate_count")

    _sql_constraints = [
        ("name_uniq", "unique(name, company_id)", "The number of a need must be unique."),
    ]

    @api.depends("user_id")
    def _compute_team_id(self):
        for need in self:
            if need.user_id and (not need.team_id or need.user_id not in need.team_id.member_ids):
                need.team_id = self.env["crm.team"]._get_default_team_id(
                    user_id=need.user_id.id, domain=[("company_id", "in", [need.company_id.id, False])]
                )

    @api.depends("lead_id")
    def _compute_source_id(self):
        for need in self:
            if need.lead_id.source_id:
                need.source_id = need.lead_id.source_id

    @api.depends("line_ids")
    def _compute_line_count(self):
        for need in self:
            need.line_count = len(need.line_ids)

    @api.depends("state", "deal_id.active", "deal_id.type", "deal_id.probability", "deal_id.stage_id.is_won")
    def _compute_is_duplicate_candidate(self):
        for need in self:
            need.is_duplicate_candidate = need.state == "open" or (
                need.state == "converted" and need.deal_id._medcrm_is_open_deal()
            )

    @api.depends("duplicate_warning_ids")
    def _compute_duplicate_count(self):
        for need in self:
            need.duplicate_count = len(need.duplicate_warning_ids)

    # ------------------------------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------------------------------

    @api.constrains("partner_id")
    def _check_partner_is_company(self):
        for need in self:
            if not need.partner_id.is_company:
                raise ValidationError(
                    self.env._(
                        "The counterparty of need %(need)s must be a company, not a person: "
                        "%(partner)s. Choose the company and put the person into «Contact».",
                        need=need.name,
                        partner=need.partner_id.display_name,
                    )
                )

    @api.constrains("partner_id", "contact_id")
    def _check_contact_belongs_to_partner(self):
        for need in self:
            if need.contact_id and need.contact_id.commercial_partner_id != need.partner_id:
                raise ValidationError(
                    self.env._(
                        "The contact %(contact)s does not belong to the counterparty %(partner)s.",
                        contact=need.contact_id.display_name,
                        partner=need.partner_id.display_name,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for need in self:
            if need.date_from and need.date_to and need.date_to < need.date_from:
                raise ValidationError(
                    self.env._(
                        "The period of need %(need)s ends before it starts (%(date_from)s – %(date_to)s).",
                        need=need.name,
                        date_from=need.date_from,
                        date_to=need.date_to,
                    )
                )

    @api.constrains("state", "line_ids")
    def _check_lines_when_open(self):
        for need in self:
            if need.state in ("open", "converted") and not need.line_ids:
                raise ValidationError(
                    self.env._("Need %(need)s has no products: add at least one catalogue product.", need=need.name)
                )

    @api.constrains("state", "close_comment", "lost_reason_id", "duplicate_of_need_id", "duplicate_of_deal_id")
    def _check_closing_reason(self):
        for need in self:
            if need.state == "duplicate":
                if not (need.close_comment or "").strip():
                    raise ValidationError(
                        self.env._("To close need %(need)s as a duplicate, write a comment.", need=need.name)
                    )
                if not (need.duplicate_of_need_id or need.duplicate_of_deal_id):
                    raise ValidationError(
                        self.env._(
                            "To close need %(need)s as a duplicate, choose the need or the deal it duplicates.",
                            need=need.name,
                        )
                    )
                if need.duplicate_of_need_id == need:
                    raise ValidationError(self.env._("Need %(need)s cannot duplicate itself.", need=need.name))
            elif need.state == "lost" and (not need.lost_reason_id or not (need.close_comment or "").strip()):
                raise ValidationError(
                    self.env._(
                        "To close need %(need)s as lost or irrelevant, choose a reason and write a comment.",
                        need=need.name,
                    )
                )

    # ------------------------------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == self.env._("New"):
                vals["name"] = sequence.next_by_code("medcrm.need") or self.env._("New")
        needs = super(MedcrmNeed, self.with_context(medcrm_skip_duplicate_check=True)).create(vals_list)
        needs = needs.with_env(self.env)
        if not self.env.context.get("medcrm_skip_duplicate_check"):
            needs._check_composition_duplicates()
        return needs

    def write(self, vals):
        if set(vals) - set(self._medcrm_free_fields()):
            # A converted need is archived read-only; one closed by hand can only be reopened.
            for need in self:
                if need.state == "converted" or (need.state in ("duplicate", "lost") and vals.get("state") != "open"):
                    raise UserError(
                        self.env._(
                            "Need %(need)s is closed (%(state)s) and can no longer be changed.",
                            need=need.name,
                            state=dict(self._fields["state"]._description_selection(self.env))[need.state],
                        )
                    )
        leaving_open = (
            self.filtered(lambda n: n.state == "open") if vals.get("state", "open") != "open" else self.browse()
        )
        res = super(MedcrmNeed, self.with_context(medcrm_skip_duplicate_check=True)).write(vals)
        if leaving_open:
            leaving_open._release_duplicate_warnings()
        # Every save of an open need is checked (other needs and deals may have changed meanwhile); writes
        # of the chatter and activities alone are not saves of the document.
        business_write = set(vals) - set(self._medcrm_free_fields())
        if business_write and not self.env.context.get("medcrm_skip_duplicate_check"):
            self._check_composition_duplicates()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(need.state != "draft" for need in self):
            raise UserError(
                self.env._("Only draft needs can be deleted; close the others as duplicate or lost instead.")
            )

    @api.model
    def _medcrm_free_fields(self):
        """Fields that a closed need still accepts: chatter, followers, activities, color."""
        return [
            name
            for name in self._fields
            if name.startswith(("message_", "activity_", "website_message")) or name in ("color", "user_id")
        ]

    def _check_lines_editable(self):
        for need in self:
            if need.state not in ("draft", "open"):
                raise UserError(
                    self.env._("Need %(need)s is closed: its products can no longer be changed.", need=need.name)
                )

    def _recheck_after_line_change(self):
        if not self.env.context.get("medcrm_skip_duplicate_check"):
            self.filtered(lambda n: n.state == "open")._check_composition_duplicates()

    # ------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------

    def action_open(self):
        """Confirm draft needs: they become open and are checked for duplicates."""
        for need in self:
            if need.state != "draft":
                raise UserError(self.env._("Need %(need)s is not a draft.", need=need.name))
        self.write({"state": "open"})
        return True

    def action_reopen(self):
        """Put a need closed by hand (duplicate, lost) back to work."""
        for need in self:
            if need.state not in ("duplicate", "lost"):
                raise UserError(self.env._("Only needs closed as duplicate or lost can be reopened."))
        self.write(
            {
                "state": "open",
                "close_comment": False,
                "lost_reason_id": False,
                "duplicate_of_need_id": False,
                "duplicate_of_deal_id": False,
                "satisfiable": False,
            }
        )
        return True

    def action_confirm_satisfiable(self):
        """The need can be satisfied: create the deal now, or as soon as its duplicates are resolved."""
        for need in self:
            if need.state != "open":
                raise UserError(self.env._("Only open needs can be confirmed as satisfiable."))
        # the save runs the duplicate check, which turns the needs without open duplicates into deals
        self.write({"satisfiable": True})
        for need in self.filtered(lambda n: n.state == "open"):
            need.message_post(
                body=self.env._(
                    "The need is satisfiable; the deal will be created as soon as its possible duplicates "
                    "are resolved (%(count)s open).",
                    count=need.duplicate_count,
                ),
                subtype_xmlid="mail.mt_note",
            )
        if len(self) == 1 and self.state == "converted":
            return self.action_view_deal()
        return True

    def action_create_deal(self):
        """Create a deal (crm.lead opportunity) and its quotation from each open need; archive the need.

        Hook for other addons: extend ``_prepare_deal_values`` / ``_prepare_quotation_values`` /
        ``_prepare_quotation_line_values`` rather than this method.
        """
        for need in self:
            if need.state not in ("draft", "open"):
                raise UserError(
                    self.env._("A deal can be created only from an open need; %(need)s is closed.", need=need.name)
                )
            if not need.line_ids:
                raise UserError(
                    self.env._("Need %(need)s has no products: add at least one catalogue product.", need=need.name)
                )
        deals = self.env["crm.lead"]
        for need in self:
            deal = self.env["crm.lead"].create(need._prepare_deal_values())
            self.env["sale.order"].create(need._prepare_quotation_values(deal))
            need.with_context(medcrm_skip_duplicate_check=True).write(
                {"deal_id": deal.id, "state": "converted", "active": False}
            )
            need.message_post(
                body=self.env._("Deal %(deal)s created from this need.", deal=deal._get_html_link()),
                subtype_xmlid="mail.mt_note",
            )
            deals |= deal
        if len(deals) == 1:
            return self.action_view_deal()
        return True

    def action_view_deal(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.deal_id.id,
            "views": [(False, "form")],
            "context": {"default_type": "opportunity"},
        }

    def action_view_source_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "views": [(False, "form")],
        }

    # ------------------------------------------------------------------------------------------
    # Deal and quotation (hooks)
    # ------------------------------------------------------------------------------------------

    def _prepare_deal_values(self):
        """Values of the deal (crm.lead opportunity) created from this need."""
        self.ensure_one()
        return {
            "name": self.env._("%(number)s — %(partner)s", number=self.name, partner=self.partner_id.name),
            "type": "opportunity",
            "partner_id": self.partner_id.id,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "expected_revenue": sum(self.line_ids.mapped("amount_estimated")),
            "medcrm_need_id": self.id,
            "source_id": self.source_id.id,
            "medium_id": self.lead_id.medium_id.id,
            "campaign_id": self.lead_id.campaign_id.id,
        }

    def _prepare_quotation_values(self, deal):
        """Values of the quotation (КП) created with the deal: the need's lines, the need's number."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "opportunity_id": deal.id,
            "medcrm_need_id": self.id,
            "origin": self.name,
            "user_id": self.user_id.id,
            "team_id": self.team_id.id,
            "company_id": self.company_id.id,
            "order_line": [Command.create(line._prepare_quotation_line_values()) for line in self.line_ids],
        }
