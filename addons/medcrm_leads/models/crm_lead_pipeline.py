import datetime

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .crm_stage import MEDCRM_STAGE_ORDER

# Steps the documents of a deal reach by themselves; the others (negotiation, waiting for payment, closing)
# are decisions of the manager, checked when he makes them.
MEDCRM_AUTO_STEPS = ("offer", "documents", "provisioning", "shipment", "buyer_documents")

CONTROL_STATES = [
    ("ok", "Under control"),
    ("no_activity", "No planned activity"),
    ("overdue_activity", "Overdue activity"),
    ("idle", "Too long in stage"),
]


class CrmLead(models.Model):
    """The deal pipeline: stages driven by the deal's documents, the stage timeline, the buyer's documents."""

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # Timeline
    medcrm_stage_code = fields.Selection(related="stage_id.medcrm_code", string="Pipeline step")
    medcrm_stage_history_ids = fields.One2many(
        "medcrm.lead.stage.history", "lead_id", string="Stage history", readonly=True, copy=False
    )
    medcrm_stage_date = fields.Datetime(
        string="In stage since", readonly=True, copy=False, index=True, help="When the deal entered its current stage."
    )
    # Control (kept up to date by the daily control and by the deal's activities)
    medcrm_control_state = fields.Selection(
        CONTROL_STATES,
        string="Control",
        default="ok",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="Every open deal needs a planned next activity, none overdue, and may not stay in a stage longer "
        "than the stage allows.",
    )
    medcrm_flagged = fields.Boolean(
        string="Flagged",
        readonly=True,
        copy=False,
        help="An open deal out of control: without planned activity, with an overdue one, or idle too long.",
    )
    medcrm_flag_date = fields.Datetime(string="Flagged since", readonly=True, copy=False)
    medcrm_escalation_date = fields.Datetime(
        string="Escalated on", readonly=True, copy=False, help="When the sales head was notified of the flag."
    )
    # Buyer's signed documents (step 18)
    medcrm_documents_received = fields.Boolean(
        string="Buyer's documents received",
        readonly=True,
        copy=False,
        tracking=True,
        help="The buyer's signed shipping documents are back, their scan attached to the deal.",
    )
    medcrm_documents_date = fields.Datetime(string="Buyer's documents received on", readonly=True, copy=False)
    medcrm_documents_attachment_ids = fields.Many2many(
        "ir.attachment",
        "crm_lead_medcrm_documents_attachment_rel",
        "lead_id",
        "attachment_id",
        string="Scans of the buyer's documents",
        readonly=True,
        copy=False,
    )
    # Loss (step 14)
    medcrm_lost_comment = fields.Text(
        string="Loss comment", copy=False, tracking=True, help="Why the deal was lost, in the manager's words."
    )
    # Service-quality survey (step 19)
    medcrm_quality_answer_id = fields.Many2one(
        "survey.user_input",
        string="Service-quality survey",
        readonly=True,
        copy=False,
        help="The survey invitation sent when the deal was closed, and the client's answers.",
    )
    medcrm_quality_survey_url = fields.Char(
        string="Service-quality survey link", compute="_compute_medcrm_quality_survey_url", compute_sudo=True
    )

    @api.depends("medcrm_quality_answer_id")
    def _compute_medcrm_quality_survey_url(self):
        for lead in self:
            answer = lead.medcrm_quality_answer_id
            lead.medcrm_quality_survey_url = lead.get_base_url() + answer.get_start_url() if answer else False

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = self.env.cr.now()
        for vals in vals_list:
            vals.setdefault("medcrm_stage_date", now)
        leads = super().create(vals_list)
        leads.filtered("stage_id")._medcrm_open_stage_history(now)
        return leads

    def write(self, vals):
        if "stage_id" not in vals and "active" not in vals:
            return super().write(vals)
        now = self.env.cr.now()
        moved = self.browse()
        if "stage_id" in vals:
            moved = self.filtered(lambda lead: lead.stage_id.id != vals["stage_id"])
            stage = self.env["crm.stage"].browse(vals["stage_id"])
            if moved and stage and not self._medcrm_stage_forced() and not self._medcrm_is_system():
                moved._medcrm_check_stage_move(stage)
            if moved and moved == self:
                vals = {**vals, "medcrm_stage_date": now}
        archived = unarchived = self.browse()
        if "active" in vals:
            archived = self.filtered(lambda lead: lead.active and not vals["active"])
            unarchived = self.filtered(lambda lead: not lead.active and vals["active"])
        entering_closed = moved.filtered(lambda lead: lead.stage_id.medcrm_code != "closed")
        result = super().write(vals)
        if moved:
            if moved != self:
                super(CrmLead, moved).write({"medcrm_stage_date": now})
            moved._medcrm_close_stage_history(now)
            moved.filtered("active")._medcrm_open_stage_history(now)
            moved._medcrm_refresh_control(now)
            if not self._medcrm_stage_forced():
                entering_closed.filtered(lambda lead: lead.stage_id.medcrm_code == "closed")._medcrm_after_closing()
        if archived:
            (archived - moved)._medcrm_close_stage_history(now)
            archived._medcrm_refresh_control(now)
        if unarchived:
            unarchived.filtered("stage_id")._medcrm_open_stage_history(now)
        return result

    @api.model
    def _medcrm_stage_forced(self):
        """Stage moves that are facts, not decisions (data migration, demo): only the superuser may force them;
        they check nothing and send nothing."""
        return self.env.su and self.env.context.get("medcrm_stage_force")

    @api.model
    def _medcrm_is_system(self):
        """The system itself (the superuser: scripts, data migrations, server actions of the administrator),
        not a person. The rules of the pipeline (stage conditions, reason and comment of a loss) bind people:
        managers and the head, also when the code acts for them with ``sudo()``."""
        return self.env.su and self.env.uid == SUPERUSER_ID

    # ------------------------------------------------------------
    # STAGE HISTORY
    # ------------------------------------------------------------

    def _medcrm_open_stage_history(self, now):
        self.env["medcrm.lead.stage.history"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "stage_id": lead.stage_id.id,
                    "user_id": lead.user_id.id,
                    "team_id": lead.team_id.id,
                    "company_id": lead.company_id.id or self.env.company.id,
                    "date_in": now,
                }
                for lead in self
            ]
        )

    def _medcrm_close_stage_history(self, now):
        """Close the current history row of the deals (one statement for all of them)."""
        if not self:
            return
        History = self.env["medcrm.lead.stage.history"]
        History.flush_model()
        self.env.cr.execute(
            """UPDATE medcrm_lead_stage_history
                  SET date_out = %s,
                      duration_days = ROUND((EXTRACT(EPOCH FROM (%s - date_in)) / 86400.0)::numeric, 2),
                      write_date = %s, write_uid = %s
                WHERE lead_id = ANY(%s) AND date_out IS NULL""",
            [now, now, now, self.env.uid, self.ids],
        )
        History.invalidate_model(["date_out", "duration_days", "write_date", "write_uid"])

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_medcrm_buyer_documents(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Buyer's documents received"),
            "res_model": "medcrm.buyer.documents.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def _medcrm_record_buyer_documents(self, attachments, date=None, note=None):
        """Keep the buyer's signed documents on the deal (with their scans) and move the deal forward."""
        self.ensure_one()
        if not attachments:
            raise UserError(self.env._("Attach the scan of the buyer's signed documents."))
        self._medcrm_check_document_scans(attachments)
        date = self._medcrm_check_documents_date(date)
        attachments.sudo().write({"res_model": self._name, "res_id": self.id})
        self.sudo().write(
            {
                "medcrm_documents_received": True,
                "medcrm_documents_date": date,
                "medcrm_documents_attachment_ids": [fields.Command.link(a.id) for a in attachments],
            }
        )
        self.message_post(
            body=self.env._("Buyer's signed documents received. %(note)s", note=note or ""),
            attachment_ids=attachments.ids,
            subtype_xmlid="mail.mt_note",
        )
        self._medcrm_advance_stage()
        return True

    def _medcrm_check_documents_date(self, date):
        """The buyer signs the documents of a confirmed order: not before its confirmation, not in the future."""
        self.ensure_one()
        date = fields.Datetime.to_datetime(date) if date else fields.Datetime.now()
        confirmed = self.order_ids.filtered(lambda order: order.state == "sale" and order.date_order)
        first = min(confirmed.mapped("date_order"), default=None)
        if date > fields.Datetime.now() + datetime.timedelta(days=1) or (first and date.date() < first.date()):
            raise ValidationError(
                self.env._(
                    "The buyer's documents cannot be received on %(date)s: the date is between the order's "
                    "confirmation (%(first)s) and today.",
                    date=fields.Date.to_string(date),
                    first=fields.Date.to_string(first) if first else "—",
                )
            )
        return date

    def _medcrm_check_document_scans(self, attachments):
        """Checked as the calling user before the scans are moved with ``sudo()``: he may change the deal and
        each file, and a file kept on another record (an order, a partner...) is not taken from it."""
        if self.env.su:
            return
        self.check_access("write")
        attachments = attachments.with_env(self.env)  # as this user, whoever browsed them
        attachments.check("write")
        free_models = {False, "", "mail.compose.message", "medcrm.buyer.documents.wizard"}
        for attachment in attachments.sudo():
            if attachment.res_model in free_models:
                continue
            if attachment.res_model == self._name and attachment.res_id == self.id:
                continue
            raise UserError(
                self.env._(
                    "The file «%(name)s» belongs to another record: upload the scan of the buyer's documents "
                    "in this window.",
                    name=attachment.name,
                )
            )

    # ------------------------------------------------------------
    # PIPELINE CONDITIONS
    # ------------------------------------------------------------

    def _medcrm_is_pipeline_deal(self):
        """An active opportunity: its stage moves are checked against its documents."""
        self.ensure_one()
        return self.type == "opportunity" and self.active

    def _medcrm_step_conditions(self):
        """The conditions of each pipeline step of this deal, in pipeline order.

        :return list[tuple[str, callable, str]]: (step code, test of the deal's documents, Russian explanation
            of what is missing). A step is reached when its test and the tests of all the steps before it pass;
            steps without a test of their own (negotiation, waiting for payment) are manager's decisions.
        """
        self.ensure_one()
        orders = self.order_ids.filtered(lambda order: order.state != "cancel")
        confirmed = orders.filtered(lambda order: order.state == "sale")
        return [
            (
                "offer",
                lambda: any(order.state in ("sent", "sale") for order in orders),
                self.env._("send the commercial offer (КП) to the client — a quotation of the deal marked as sent"),
            ),
            (
                "documents",
                lambda: bool(confirmed),
                self.env._("confirm the client's order and send the document package (invoice and contract)"),
            ),
            (
                "provisioning",
                lambda: all(order.medcrm_paid_date for order in confirmed),
                self.env._("the invoice must be paid in full (100 % prepayment)"),
            ),
            (
                "shipment",
                lambda: all(order._medcrm_goods_ready() for order in confirmed),
                self.env._("all goods of the order must be ready for shipment or shipped"),
            ),
            (
                "buyer_documents",
                lambda: self.medcrm_documents_received,
                self.env._("record the buyer's signed documents and attach their scan (button «Buyer's documents»)"),
            ),
            (
                "closed",
                lambda: all(order._medcrm_goods_delivered() for order in confirmed),
                self.env._("all goods must be delivered to the buyer"),
            ),
        ]

    def _medcrm_stage_blockers(self, code):
        """What is missing for this deal to stand at pipeline step ``code``: a list of Russian explanations."""
        self.ensure_one()
        if code not in MEDCRM_STAGE_ORDER:
            return []
        index = MEDCRM_STAGE_ORDER.index(code)
        return [
            message
            for step, test, message in self._medcrm_step_conditions()
            if MEDCRM_STAGE_ORDER.index(step) <= index and not test()
        ]

    def _medcrm_reached_step(self):
        """The furthest pipeline step whose conditions (and those of every step before) are met."""
        self.ensure_one()
        reached = MEDCRM_STAGE_ORDER[0]
        for step, test, _message in self._medcrm_step_conditions():
            if not test():
                break
            reached = step
        return reached

    def _medcrm_check_stage_move(self, stage):
        """Refuse, with a clear explanation, a move to a stage whose conditions the deal does not meet."""
        if not stage.medcrm_code:
            return
        for lead in self.filtered(lambda lead: lead._medcrm_is_pipeline_deal()):
            blockers = lead._medcrm_stage_blockers(stage.medcrm_code)
            if blockers:
                raise UserError(
                    self.env._(
                        "The deal «%(deal)s» cannot move to the stage «%(stage)s» yet. First:\n%(missing)s",
                        deal=lead.name,
                        stage=stage.name,
                        missing="\n".join(f"• {message}" for message in blockers),
                    )
                )

    def _medcrm_advance_stage(self):
        """Move each open deal forward to the furthest stage its documents have reached (never backwards,
        never to the closed stage: closing is the manager's decision). Called by the documents' events."""
        moves = {}
        for lead in self:
            if not lead._medcrm_is_pipeline_deal() or lead.stage_id.is_won:
                continue
            current = lead.stage_id.medcrm_code
            current_index = MEDCRM_STAGE_ORDER.index(current) if current else -1
            reached_index = MEDCRM_STAGE_ORDER.index(lead._medcrm_reached_step())
            targets = [
                step for step in MEDCRM_AUTO_STEPS if current_index < MEDCRM_STAGE_ORDER.index(step) <= reached_index
            ]
            if targets:
                stage = self.env["crm.stage"]._medcrm_stage_for(targets[-1], lead.team_id)
                if stage:
                    moves.setdefault(stage, self.browse())
                    moves[stage] |= lead
        for stage, leads in moves.items():
            # the documents' event happened: the deal follows whoever caused it (an accountant, a storekeeper)
            leads.sudo().write({"stage_id": stage.id})
        return bool(moves)

    # ------------------------------------------------------------
    # CLOSING (step 19)
    # ------------------------------------------------------------

    def _medcrm_after_closing(self):
        """The deal is closed: the client gets the service-quality survey e-mail."""
        self._medcrm_send_survey_mail(
            "medcrm_leads.survey_service_quality",
            "medcrm_leads.mail_template_service_quality",
            "medcrm_quality_answer_id",
        )
