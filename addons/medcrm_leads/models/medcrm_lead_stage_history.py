from odoo import api, fields, models

SECONDS_PER_DAY = 86400.0


class MedcrmLeadStageHistory(models.Model):
    """One stage a deal entered: when, under which owner, and how long it stayed there.

    Written by the deal itself on every stage change (create and write), never by hand: cycle length and
    time in stage are reported from here. ``duration_days`` of a closed row is set when the deal leaves the
    stage; the current row (``date_out`` empty) is brought up to date by the daily control cron, and
    ``_medcrm_current_duration_days()`` gives its exact value at any moment.
    """

    _name = "medcrm.lead.stage.history"
    _description = "Deal stage history"
    _order = "date_in desc, id desc"
    _rec_name = "stage_id"

    lead_id = fields.Many2one("crm.lead", string="Deal", required=True, index=True, ondelete="cascade", readonly=True)
    stage_id = fields.Many2one("crm.stage", required=True, index=True, ondelete="restrict", readonly=True)
    medcrm_code = fields.Selection(related="stage_id.medcrm_code", string="Pipeline step")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        ondelete="set null",
        readonly=True,
        help="Owner of the deal when it entered the stage.",
    )
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, ondelete="set null", readonly=True)
    company_id = fields.Many2one("res.company", index=True, ondelete="cascade", readonly=True)
    date_in = fields.Datetime(string="Entered", required=True, index=True, readonly=True, default=fields.Datetime.now)
    date_out = fields.Datetime(string="Left", index=True, readonly=True, help="Empty while the deal is in this stage.")
    duration_days = fields.Float(
        string="Days in stage",
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="Days between entering and leaving the stage; for the current stage, up to the last daily control.",
    )

    def init(self):
        # The current stage of a deal is read on every stage move: one partial index serves it.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS medcrm_lead_stage_history_current_idx
                   ON medcrm_lead_stage_history (lead_id) WHERE date_out IS NULL"""
        )

    @api.model
    def _medcrm_days_between(self, date_in, date_out):
        return round((date_out - date_in).total_seconds() / SECONDS_PER_DAY, 2) if date_in and date_out else 0.0

    def _medcrm_current_duration_days(self, now=None):
        """{row: days} up to ``now`` for open rows, the stored value for closed ones."""
        now = now or fields.Datetime.now()
        return {row: row.duration_days if row.date_out else self._medcrm_days_between(row.date_in, now) for row in self}

    @api.model
    def _medcrm_refresh_current_durations(self, now=None):
        """Bring ``duration_days`` of the current rows up to ``now`` (daily cron), in one statement."""
        now = now or fields.Datetime.now()
        self.flush_model(["date_in", "date_out", "duration_days"])
        self.env.cr.execute(
            """UPDATE medcrm_lead_stage_history
                  SET duration_days = ROUND((EXTRACT(EPOCH FROM (%s - date_in)) / %s)::numeric, 2)
                WHERE date_out IS NULL""",
            [now, SECONDS_PER_DAY],
        )
        self.invalidate_model(["duration_days"])
