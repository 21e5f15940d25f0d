from odoo import fields, models

HANDOVER_REASONS = [
    ("created", "Created with a salesperson"),
    ("round_robin", "Round-robin queue"),
    ("head_fallback", "Nobody available: to the head"),
    ("rule", "Odoo rule-based assignment"),
    ("manual", "Manual reassignment"),
]


class MedcrmLeadHandover(models.Model):
    """One hand-over of a lead: who had it, who got it, who decided, when and why.

    Written by the lead itself on every change of salesperson (never by hand): the history is a fact.
    """

    _name = "medcrm.lead.handover"
    _description = "Lead hand-over"
    _order = "date desc, id desc"
    _rec_name = "lead_id"

    lead_id = fields.Many2one("crm.lead", required=True, index=True, ondelete="cascade", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, ondelete="set null")
    from_user_id = fields.Many2one("res.users", string="From", readonly=True, ondelete="set null")
    to_user_id = fields.Many2one("res.users", string="To", readonly=True, index=True, ondelete="set null")
    author_id = fields.Many2one(
        "res.users",
        string="By",
        readonly=True,
        ondelete="set null",
        default=lambda self: self.env.user,
        help="The user whose action made the hand-over (the system user for automatic distribution).",
    )
    date = fields.Datetime(readonly=True, required=True, default=fields.Datetime.now)
    reason = fields.Selection(HANDOVER_REASONS, required=True, readonly=True)
    note = fields.Char(string="Why", readonly=True, help="What the person who handed the lead over wrote.")
    turn = fields.Integer(
        string="Queue turn",
        readonly=True,
        help="Number of the team's round-robin turn that gave the lead (0 when not by the queue).",
    )

    def init(self):
        res = super().init()
        # the queue checks that a turn was served (see crm.team._medcrm_pick_in_own_transaction)
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS medcrm_lead_handover_team_turn_idx "
            "ON medcrm_lead_handover (team_id, turn) WHERE turn > 0"
        )
        return res
