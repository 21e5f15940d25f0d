from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .medcrm_lead_intake import replay


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # Leads that arrive (gateway, public forms, integrators, an exhibition's import) go to the round-robin
    # queue; a salesperson who creates a lead by hand keeps it, as in Odoo.
    user_id = fields.Many2one(default=lambda self: self._medcrm_default_user_id())
    # The channel is mandatory: a channel in use cannot be deleted from under its leads (crm: "set null").
    source_id = fields.Many2one(ondelete="restrict")
    # What the interest is about: products of the catalogue (mirrored from 1C), never typed by hand.
    medcrm_product_ids = fields.Many2many(
        "product.product",
        "crm_lead_medcrm_product_rel",
        "lead_id",
        "product_id",
        string="Products asked about",
        domain=[("sale_ok", "=", True)],
        help="Catalogue products the interest is about (from the product page, the call, the request).",
    )
    # Who handled it: the first user who had the lead, and every hand-over after.
    medcrm_first_user_id = fields.Many2one(
        "res.users",
        string="First handler",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The first user who took the lead (e.g. the sales head before he handed it over).",
    )
    medcrm_handover_ids = fields.One2many(
        "medcrm.lead.handover", "lead_id", string="Hand-overs", readonly=True, copy=False
    )
    medcrm_handover_count = fields.Integer(string="Hand-over count", compute="_compute_medcrm_handover_count")
    medcrm_request_ip = fields.Char(
        string="Request IP",
        readonly=True,
        copy=False,
        groups="sales_team.group_sale_manager",
        help="Address of the public request (call-back form, portal) that created the lead.",
    )
    medcrm_farewell_answer_id = fields.Many2one(
        "survey.user_input",
        string="Farewell survey",
        readonly=True,
        copy=False,
        help="The survey invitation sent with the farewell e-mail, and the client's answers.",
    )
    medcrm_farewell_survey_url = fields.Char(
        string="Farewell survey link",
        compute="_compute_medcrm_farewell_survey_url",
        compute_sudo=True,
        help="The client's personal link to the farewell survey.",
    )

    @api.depends("medcrm_handover_ids")
    def _compute_medcrm_handover_count(self):
        counts = dict(
            self.env["medcrm.lead.handover"]._read_group([("lead_id", "in", self.ids)], ["lead_id"], ["__count"])
        )
        for lead in self:
            lead.medcrm_handover_count = counts.get(lead, 0)

    @api.depends("medcrm_farewell_answer_id")
    def _compute_medcrm_farewell_survey_url(self):
        for lead in self:
            answer = lead.medcrm_farewell_answer_id
            lead.medcrm_farewell_survey_url = lead.get_base_url() + answer.get_start_url() if answer else False

    @api.constrains("source_id")
    def _check_medcrm_source(self):
        missing = self.filtered(lambda lead: not lead.source_id)
        if missing:
            raise ValidationError(self._medcrm_missing_source_message(missing.mapped("name")))

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model
    def _medcrm_default_user_id(self):
        user = self.env.user
        if user.share:
            return False
        if not user.has_group("sales_team.group_sale_salesman_all_leads"):
            return user  # he sees only his own leads: he could not create one for somebody else
        if self.env.context.get("import_file"):
            return False
        is_member = self.env["crm.team.member"].sudo().search_count([("user_id", "=", user.id)], limit=1)
        if is_member or self.env["crm.team"].sudo().search_count([("user_id", "=", user.id)], limit=1):
            return user
        return False

    @api.model_create_multi
    def create(self, vals_list):
        defaults = self.default_get(["user_id", "team_id", "source_id"])
        missing = [
            vals.get("name") or vals.get("contact_name") or vals.get("email_from") or ""
            for vals in vals_list
            if not vals.get("source_id", defaults.get("source_id"))
        ]
        if missing:
            # Before anything is created or any turn of the queue is served.
            raise ValidationError(self._medcrm_missing_source_message(missing))
        if defaults.get("source_id"):
            # e.g. the utm cookie of a mailing's link: the channel is decided on the explicit value
            for vals in vals_list:
                vals.setdefault("source_id", defaults["source_id"])
        self._medcrm_channel_from_mailing(vals_list)
        assignments = self._medcrm_prepare_assignments(vals_list, defaults)
        leads = super().create(vals_list)
        leads._medcrm_after_assignment(assignments)
        return leads

    def write(self, vals):
        if "user_id" not in vals:
            return super().write(vals)
        new_user_id = vals["user_id"] or False
        previous = {lead: lead.user_id for lead in self}
        result = super().write(vals)
        changed = self.filtered(lambda lead: previous[lead].id != new_user_id)
        if changed:
            reason = self.env.context.get("medcrm_handover_reason", "manual")
            self.env["medcrm.lead.handover"].sudo().create(
                [
                    lead._medcrm_prepare_handover_values(
                        previous[lead],
                        lead.user_id,
                        reason,
                        note=self.env.context.get("medcrm_handover_note"),
                        turn=self.env.context.get("medcrm_handover_turn", 0),
                    )
                    for lead in changed
                ]
            )
            first_timers = changed.filtered(lambda lead: lead.user_id and not lead.medcrm_first_user_id)
            for user, leads in first_timers.grouped("user_id").items():
                super(CrmLead, leads).write({"medcrm_first_user_id": user.id})
        return result

    # ------------------------------------------------------------
    # MAIL GATEWAY / WEBSITE
    # ------------------------------------------------------------

    @api.model
    def _medcrm_create_from_door(self, door, vals):
        """Create the lead of a public door (call-back, Medbuy.ru); a transient database error never loses it.

        Meant for a request that has written nothing yet: on a concurrency error the whole transaction
        is rolled back and the creation replayed in a fresh one (a new snapshot), a few times; then the
        interest is kept in ``medcrm.lead.intake`` for the scheduled replay.

        :return: the lead, or an empty recordset when the interest was kept for later
        """
        done, outcome = replay(self.env, lambda: self.create(dict(vals)))
        if done:
            return outcome
        self.env["medcrm.lead.intake"]._medcrm_keep(door, vals, error=outcome)
        return self.browse()

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """An e-mail to a team alias is a lead of channel "e-mail" unless the alias (Medbuy.ru) or the
        mailing it answers says otherwise."""
        leads = self
        if "default_source_id" not in self.env.context:
            source = self.env.ref("medcrm_leads.utm_source_email", raise_if_not_found=False)
            leads = self.with_context(default_source_id=source.id if source else False)
        return super(CrmLead, leads).message_new(msg_dict, custom_values=custom_values)

    def website_form_input_filter(self, request, values):
        """The product-page form: channel "site form" unless a link brought its campaign/source, and only
        products of the catalogue (the form is public: ids are checked, never trusted)."""
        values = super().website_form_input_filter(request, values)
        if not values.get("source_id") and not self.sudo().default_get(["source_id"]).get("source_id"):
            values["source_id"] = self.env.ref("medcrm_leads.utm_source_site_form").id
        product_ids = [
            product_id
            for command in values.get("medcrm_product_ids") or []
            if isinstance(command, (list, tuple)) and command and command[0] == 6
            for product_id in command[2]
        ]
        if values.get("medcrm_product_ids"):
            products = self.env["product.product"].sudo().search([("id", "in", product_ids), ("sale_ok", "=", True)])
            if not product_ids or len(products) != len(set(product_ids)):
                raise UserError(self.env._("The product asked about is not in the catalogue. Please reload the page."))
            values["medcrm_product_ids"] = [fields.Command.set(products.ids)]
        return values

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_medcrm_no_interest(self):
        """ "Нет реального интереса": the lost wizard with the reason preset and the farewell survey e-mail."""
        action = self.env["ir.actions.actions"]._for_xml_id("crm.crm_lead_lost_action")
        action["context"] = {
            "default_lead_ids": self.ids,
            "default_lost_reason_id": self.env.ref("medcrm_leads.lost_reason_no_real_interest").id,
            "default_medcrm_send_farewell": True,
            "dialog_size": "medium",
        }
        action["name"] = self.env._("No real interest")
        return action

    def action_medcrm_interest(self):
        """ "Есть интерес": ask the company's requisites by e-mail and make the lead an opportunity."""
        without_email = self.filtered(lambda lead: not lead.email_from)
        if without_email:
            raise UserError(
                self.env._(
                    "Fill in the contact's e-mail to ask for the requisites: %(leads)s.",
                    leads=", ".join(without_email.mapped("name")),
                )
            )
        template = self.env.ref("medcrm_leads.mail_template_requisites_request")
        for lead in self:
            lead._medcrm_send_template(template)
            lead.convert_opportunity(lead.partner_id)
        return True

    def action_medcrm_create_counterparty(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Counterparty and contact"),
            "res_model": "medcrm.counterparty.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def action_medcrm_handover(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Hand over"),
            "res_model": "medcrm.lead.handover.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_ids": self.ids},
        }

    # ------------------------------------------------------------
    # SOURCE (CHANNEL)
    # ------------------------------------------------------------

    @api.model
    def _medcrm_missing_source_message(self, names):
        return self.env._(
            "The source (channel) of a lead is mandatory: e-mail, site form, chat, mailing, call, "
            "call-back, exhibition, conference, Medbuy.ru... Leads without source: %(leads)s.",
            leads=", ".join(str(name) for name in names if name) or self.env._("(unnamed)"),
        )

    @api.model
    def _medcrm_channel_from_mailing(self, vals_list):
        """A reply to (or a link of) a mass mailing carries the mailing's own utm source; the channel is
        "mailing" and the mailing's campaign is kept."""
        source_ids = {vals["source_id"] for vals in vals_list if vals.get("source_id")}
        if not source_ids:
            return
        mailings = self.env["mailing.mailing"].sudo().search([("source_id", "in", list(source_ids))])
        if not mailings:
            return
        channel = self.env.ref("medcrm_leads.utm_source_mailing")
        by_source = {mailing.source_id.id: mailing for mailing in mailings}
        for vals in vals_list:
            mailing = by_source.get(vals.get("source_id"))
            if mailing:
                vals["source_id"] = channel.id
                if not vals.get("campaign_id") and mailing.campaign_id:
                    vals["campaign_id"] = mailing.campaign_id.id
                if not vals.get("medium_id") and mailing.medium_id:
                    vals["medium_id"] = mailing.medium_id.id

    # ------------------------------------------------------------
    # ASSIGNMENT AND HAND-OVER HISTORY
    # ------------------------------------------------------------

    @api.model
    def _medcrm_prepare_assignments(self, vals_list, defaults):
        """Choose the salesperson of new leads that have none, round-robin per team.

        Fills ``user_id``/``team_id``/``medcrm_first_user_id`` of ``vals_list`` in place. With the context
        key ``medcrm_skip_assignment`` (e.g. leads of the past loaded by an integrator) nothing is assigned.
        :return list[dict]: per vals, ``reason`` and ``turn`` for the hand-over history
        """
        assignments = [{} for _vals in vals_list]
        waiting = defaultdict(list)  # team -> indexes of vals to serve from its queue
        skip = self.env.context.get("medcrm_skip_assignment")
        for index, vals in enumerate(vals_list):
            user_id = vals["user_id"] if "user_id" in vals else defaults.get("user_id")
            if user_id:
                vals.setdefault("medcrm_first_user_id", user_id)
                assignments[index] = {"reason": self.env.context.get("medcrm_handover_reason", "created")}
                continue
            if skip or not vals.get("active", True):
                continue
            team = self.env["crm.team"].browse(vals.get("team_id") or defaults.get("team_id"))
            if not team:
                team = self.env["crm.team"]._medcrm_intake_team()
                if team:
                    vals["team_id"] = team.id
            if team and team.sudo().medcrm_assignment_mode == "round_robin":
                waiting[team.sudo()].append(index)
        for team, indexes in waiting.items():
            for index, (member, turn) in zip(indexes, team._medcrm_pick(len(indexes)), strict=True):
                user = member.user_id if member else team.user_id
                if not user:
                    continue  # nobody, not even a head: the lead waits for the team's next distribution
                vals_list[index].update({"user_id": user.id, "medcrm_first_user_id": user.id})
                assignments[index] = {"reason": "round_robin" if member else "head_fallback", "turn": turn}
        return assignments

    def _medcrm_after_assignment(self, assignments):
        handovers = []
        for lead, assignment in zip(self, assignments, strict=True):
            if not assignment or not lead.user_id:
                continue
            handovers.append(
                lead._medcrm_prepare_handover_values(
                    self.env["res.users"], lead.user_id, assignment["reason"], turn=assignment.get("turn", 0)
                )
            )
            if assignment["reason"] == "head_fallback":
                lead._medcrm_schedule_head_activity()
        if handovers:
            self.env["medcrm.lead.handover"].sudo().create(handovers)

    def _medcrm_prepare_handover_values(self, from_user, to_user, reason, note=False, turn=0):
        self.ensure_one()
        return {
            "lead_id": self.id,
            "team_id": self.team_id.id,
            "from_user_id": from_user.id,
            "to_user_id": to_user.id,
            "author_id": self.env.user.id,
            "reason": reason,
            "note": note,
            "turn": turn,
        }

    def _medcrm_schedule_head_activity(self):
        self.ensure_one()
        self.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=self.user_id.id,
            summary=self.env._("Nobody available: assign this lead"),
            note=self.env._(
                "No manager of the team «%(team)s» could take this lead (absent, skipped or at his cap): "
                "it came to you. Hand it over to a manager.",
                team=self.team_id.name,
            ),
        )

    # ------------------------------------------------------------
    # QUALIFICATION
    # ------------------------------------------------------------

    def _medcrm_send_farewell(self):
        """The farewell e-mail with the survey about the company (lost lead or deal)."""
        self._medcrm_send_survey_mail(
            "medcrm_leads.survey_farewell", "medcrm_leads.mail_template_farewell", "medcrm_farewell_answer_id"
        )

    def _medcrm_send_survey_mail(self, survey_xmlid, template_xmlid, answer_field):
        """E-mail the client a template carrying his personal link to a survey (farewell, service quality).

        The invitation (``survey.user_input``) is kept in ``answer_field`` of the lead; the template reads the
        link from it. Without e-mail address nothing is sent and the chatter says so.
        """
        # sudo: managers need no rights on surveys to invite a client to one
        survey = self.env.ref(survey_xmlid, raise_if_not_found=False) or self.env["survey.survey"]
        survey = survey.sudo()
        template = self.env.ref(template_xmlid)
        for lead in self:
            if not lead.email_from:
                lead._message_log(
                    body=self.env._(
                        "No e-mail address: the e-mail «%(template)s» with the survey was not sent.",
                        template=template.sudo().name,
                    )
                )
                continue
            if survey.active:
                lead.sudo()[answer_field] = survey._create_answer(
                    partner=lead.partner_id, email=lead.email_from, check_attempts=False
                )
            lead._medcrm_send_template(template)

    def _medcrm_send_template(self, template):
        """E-mail the lead's contact (partner or bare address) with a template, and note it in the chatter.

        The address is not turned into a partner (as the composer would do): the counterparty and its contact
        are made later, after the duplicate check.
        """
        self.ensure_one()
        mail_id = template.send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")
        mail = self.env["mail.mail"].sudo().browse(mail_id)
        self._message_log(
            body=self.env._(
                "E-mail «%(subject)s» sent to %(to)s.",
                subject=mail.subject,
                to=mail.email_to or ", ".join(mail.recipient_ids.mapped("email_formatted")),
            )
        )
        return mail
