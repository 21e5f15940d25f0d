import threading

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api, fields, models
from odoo.tools import SQL

# Short transactions taking the queue's turn: attempts before the caller takes it under its own lock.
OWN_TRANSACTION_ATTEMPTS = 3


class CrmTeam(models.Model):
    _inherit = "crm.team"

    medcrm_assignment_mode = fields.Selection(
        [
            ("round_robin", "MedCRM round-robin"),
            ("rules", "Odoo rule-based assignment"),
        ],
        string="Lead distribution",
        default="round_robin",
        required=True,
        help="MedCRM round-robin: every new lead goes at once to the next available manager of the queue. "
        "Odoo rule-based assignment: leads wait for Odoo's assignment (domains, capacities, scheduled action).",
    )
    medcrm_queue_member_ids = fields.One2many(
        "crm.team.member",
        "crm_team_id",
        string="Round-robin queue",
        help="Managers in the order in which they receive new leads.",
    )
    # The rotation pointer: the member served last and the number of turns served. Both are read and
    # written under a row lock (see _medcrm_pick), never through the form.
    medcrm_rotation_member_id = fields.Many2one(
        "crm.team.member", string="Last served", readonly=True, copy=False, ondelete="set null"
    )
    medcrm_rotation_turn = fields.Integer(string="Turns served", readonly=True, copy=False)
    medcrm_next_member_id = fields.Many2one(
        "crm.team.member",
        string="Next in line",
        compute="_compute_medcrm_next_member_id",
        help="The manager who receives the next lead, if nothing changes until then.",
    )

    def init(self):
        res = super().init()
        # The turns given by the queue and not yet seen served (see _medcrm_pick_in_own_transaction).
        # A plain table: written only by the short transactions of the queue, never through the ORM.
        self.env.cr.execute(
            """
            CREATE TABLE IF NOT EXISTS medcrm_lead_turn (
                team_id integer NOT NULL,
                turn integer NOT NULL,
                member_id integer NOT NULL,
                xid xid8 NOT NULL,
                create_date timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
                PRIMARY KEY (team_id, turn)
            )
            """
        )
        return res

    @api.depends_context("tz")
    @api.depends(
        "medcrm_rotation_member_id",
        "crm_team_member_ids.medcrm_sequence",
        "crm_team_member_ids.medcrm_is_available",
        "crm_team_member_ids.medcrm_open_lead_max",
    )
    def _compute_medcrm_next_member_id(self):
        for team in self:
            members = team._medcrm_queue_members()
            capped = members.filtered("medcrm_open_lead_max")
            position = team.medcrm_rotation_member_id._medcrm_queue_key() if team.medcrm_rotation_member_id else None
            team.medcrm_next_member_id = team._medcrm_next_in_queue(
                members, position, capped._medcrm_open_lead_counts()
            )

    # ------------------------------------------------------------
    # ODOO'S RULE-BASED ASSIGNMENT
    # ------------------------------------------------------------

    def _action_assign_leads(self, force_quota=False, creation_delta_days=7):
        # Odoo's assignment (cron or button) keeps working; its hand-overs are logged as such.
        return super(CrmTeam, self.with_context(medcrm_handover_reason="rule"))._action_assign_leads(
            force_quota=force_quota, creation_delta_days=creation_delta_days
        )

    def _assign_and_convert_leads(self, force_quota=False):
        """Teams on Odoo's rules are assigned by Odoo; round-robin teams serve their waiting leads from the queue."""
        rules_teams = self.filtered(lambda team: team.medcrm_assignment_mode == "rules")
        result = super(CrmTeam, rules_teams)._assign_and_convert_leads(force_quota=force_quota)
        (self - rules_teams)._medcrm_assign_waiting_leads()
        return result

    # ------------------------------------------------------------
    # MEDCRM ROUND-ROBIN
    # ------------------------------------------------------------

    @api.model
    def _medcrm_intake_team(self):
        """Team of the leads that arrive without one (chat, call-back, integrators, imports).

        The team chosen in the CRM settings, else the first round-robin team.
        """
        param = self.env["ir.config_parameter"].sudo().get_param("medcrm_leads.intake_team_id")
        team = self.sudo().browse(int(param)).exists() if param and param.isdigit() else self.browse()
        if not team:
            team = self.sudo().search(
                [
                    ("medcrm_assignment_mode", "=", "round_robin"),
                    "|",
                    ("use_leads", "=", True),
                    ("use_opportunities", "=", True),
                ],
                limit=1,
            )
        return team.with_env(self.env)

    def _medcrm_queue_members(self):
        """Members of the queue who may receive a lead today, in queue order."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        members = self.env["crm.team.member"].sudo().search([("crm_team_id", "=", self.id)])
        return members.filtered(lambda member: member._medcrm_available_on(today)).sorted(
            lambda member: member._medcrm_queue_key()
        )

    @api.model
    def _medcrm_next_in_queue(self, members, position, open_counts):
        """The first member after ``position`` (a queue key) who is under his cap, going round the queue."""
        eligible = members.filtered(
            lambda member: not member.medcrm_open_lead_max or open_counts.get(member, 0) < member.medcrm_open_lead_max
        )
        if not eligible:
            return eligible
        if position is not None:
            for member in eligible:
                if member._medcrm_queue_key() > position:
                    return member
        return eligible[0]

    def _medcrm_pick(self, count=1):
        """Serve the next ``count`` turns of the team's round-robin queue.

        In production the turns are taken in a short transaction of their own (see
        :meth:`_medcrm_pick_in_own_transaction`): the queue is locked for a few milliseconds, never for the
        whole creation of the lead. The caller's transaction takes the turns under the team's row lock
        instead (:meth:`_medcrm_pick_locked`) when the team is not committed yet, when the caller itself
        holds the team's row, and in tests (their transaction is rolled back: nothing may be committed
        behind it; the context key ``medcrm_turn_own_transaction`` forces the short transaction).

        :return list[tuple]: one ``(member, turn)`` per turn; an empty member (and turn 0) when nobody
            of the queue is available or under his cap
        """
        self.ensure_one()
        own = self.env.context.get("medcrm_turn_own_transaction")
        if own is None:
            own = not (self.env.registry.in_test_mode() or getattr(threading.current_thread(), "testing", False))
        if own:
            picks = self._medcrm_pick_in_own_transaction(count)
            if picks is not None:
                return picks
        return self._medcrm_pick_locked(count)

    def _medcrm_serve_turns(self, members, position, turn, open_counts, count, claims=None):
        """Serve ``count`` turns from the pointer (``position``, ``turn``); turns of aborted creations
        (``claims``: ``[turn, member]`` lists, by turn) are served again first, to the same member.

        :return tuple: (picks, reused claims as ``(turn, member)``, last member served, last turn)
        """
        picks, reused, last = [], [], None
        claims = list(claims or [])
        for _index in range(count):
            orphan = None
            while claims and orphan is None:
                old_turn, old_member = claims.pop(0)
                if old_member in members and self._medcrm_next_in_queue(old_member, None, open_counts):
                    orphan = (old_member, old_turn)
                    reused.append((old_turn, old_member))
            if orphan:
                member, member_turn = orphan
            else:
                member = self._medcrm_next_in_queue(members, position, open_counts)
                if not member:
                    picks.append((member, 0))
                    continue
                turn += 1
                member_turn = turn
                position = member._medcrm_queue_key()
                last = member
            if member in open_counts:
                open_counts[member] += 1
            picks.append((member, member_turn))
        return picks, reused, last, turn

    def _medcrm_pick_locked(self, count=1):
        """Serve the turns in the caller's transaction, under the team's row lock (held until it ends)."""
        self.ensure_one()
        self.flush_recordset(["medcrm_rotation_member_id", "medcrm_rotation_turn"])
        self.env.cr.execute(
            SQL(
                "SELECT medcrm_rotation_member_id, medcrm_rotation_turn FROM crm_team WHERE id = %s FOR NO KEY UPDATE",
                self.id,
            )
        )
        last_member_id, turn = self.env.cr.fetchone()
        last = self.env["crm.team.member"].sudo().with_context(active_test=False).browse(last_member_id).exists()
        position = last._medcrm_queue_key() if last else None
        members = self._medcrm_queue_members()
        open_counts = members.filtered("medcrm_open_lead_max")._medcrm_open_lead_counts()
        picks, _reused, last, turn = self._medcrm_serve_turns(members, position, turn or 0, open_counts, count)
        if last:
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_team SET medcrm_rotation_member_id = %s, medcrm_rotation_turn = %s WHERE id = %s",
                    last.id,
                    turn,
                    self.id,
                )
            )
            self.invalidate_recordset(["medcrm_rotation_member_id", "medcrm_rotation_turn"])
        return picks

    def _medcrm_pick_in_own_transaction(self, count=1):
        """Serve the turns in a short READ COMMITTED transaction of their own, committed at once.

        The team's row is locked only while the turns are computed (a few queries). Each turn given is
        written down in ``medcrm_lead_turn`` with the id of the caller's transaction, until that
        transaction's hand-over record shows it served:

        - caller still running: the turn is *pending* and counts in its manager's open leads (caps hold
          even before the lead is committed);
        - caller rolled back (error, Odoo's retry of a request, savepoint rolled back): the turn is
          *orphan* and is served again first, with its number, to the same manager if he may still take
          it (so nobody loses a lead and the spread holds); otherwise it is dropped;
        - caller committed with the hand-over: the turn is done and forgotten.

        :return: the picks, or None when this transaction cannot take the turn (team not committed yet,
            or its row held by the caller's own transaction): the caller then takes it under lock
        """
        self.ensure_one()
        self.env.cr.execute("SELECT pg_current_xact_id()::text")
        xid = self.env.cr.fetchone()[0]
        Member = self.env["crm.team.member"].sudo()
        # A wait longer than the lock timeout is either a very busy server (try again) or the caller's own
        # transaction holding the team's row (it would wait for ever): after a few timeouts, the caller
        # takes the turn under its own lock.
        for _attempt in range(OWN_TRANSACTION_ATTEMPTS):
            try:
                with self.env.registry.cursor() as cr:
                    cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    cr.execute("SET LOCAL lock_timeout = '2s'")
                    cr.execute(
                        "SELECT medcrm_rotation_member_id, medcrm_rotation_turn FROM crm_team "
                        "WHERE id = %s FOR NO KEY UPDATE",
                        (self.id,),
                    )
                    row = cr.fetchone()
                    if not row:
                        return None  # created by the caller's transaction, not committed yet
                    env = api.Environment(cr, SUPERUSER_ID, self.env.context)
                    team = env["crm.team"].browse(self.id)
                    last = env["crm.team.member"].with_context(active_test=False).browse(row[0]).exists()
                    position = last._medcrm_queue_key() if last else None
                    members = team._medcrm_queue_members()
                    cr.execute(
                        """
                        SELECT t.turn, t.member_id, pg_xact_status(t.xid) AS status,
                               EXISTS(SELECT 1 FROM medcrm_lead_handover h
                                       WHERE h.team_id = t.team_id AND h.turn = t.turn) AS served
                          FROM medcrm_lead_turn t
                         WHERE t.team_id = %s
                         ORDER BY t.turn
                        """,
                        (self.id,),
                    )
                    pending, orphans, done = [], [], []
                    for turn, member_id, status, served in cr.fetchall():
                        if status == "in progress":
                            pending.append(member_id)
                        elif served and status != "aborted":
                            done.append(turn)
                        else:
                            orphans.append([turn, env["crm.team.member"].browse(member_id)])
                    open_counts = members.filtered("medcrm_open_lead_max")._medcrm_open_lead_counts()
                    for member_id in pending:
                        member = env["crm.team.member"].browse(member_id)
                        if member in open_counts:
                            open_counts[member] += 1
                    picks, reused, last, turn = team._medcrm_serve_turns(
                        members, position, row[1] or 0, open_counts, count, claims=orphans
                    )
                    # forget the turns served, and the orphans that could not be served again
                    reused_turns = [reused_turn for reused_turn, _member in reused]
                    forget = done + [turn for turn, _member in orphans if turn not in reused_turns]
                    if forget:
                        cr.execute(
                            "DELETE FROM medcrm_lead_turn WHERE team_id = %s AND turn = ANY(%s)", (self.id, forget)
                        )
                    if reused_turns:
                        cr.execute(
                            "UPDATE medcrm_lead_turn SET xid = %s::xid8 WHERE team_id = %s AND turn = ANY(%s)",
                            (xid, self.id, reused_turns),
                        )
                    new_turns = [(member, turn) for member, turn in picks if member and turn not in reused_turns]
                    if new_turns:
                        cr.execute(
                            "INSERT INTO medcrm_lead_turn (team_id, turn, member_id, xid) "
                            "SELECT %s, unnest(%s::int[]), unnest(%s::int[]), %s::xid8",
                            (self.id, [turn for _m, turn in new_turns], [member.id for member, _t in new_turns], xid),
                        )
                    if last:
                        cr.execute(
                            "UPDATE crm_team SET medcrm_rotation_member_id = %s, medcrm_rotation_turn = %s "
                            "WHERE id = %s",
                            (last.id, turn, self.id),
                        )
                    picks = [(Member.browse(member.id), member_turn) for member, member_turn in picks]
            except pg_errors.LockNotAvailable:
                continue
            break
        else:
            return None
        self.invalidate_recordset(["medcrm_rotation_member_id", "medcrm_rotation_turn"])
        return picks

    def _medcrm_assign_waiting_leads(self):
        """Give the unassigned open leads of round-robin teams to the queue (leads left waiting, e.g. while
        nobody was available and the team had no head)."""
        for team in self:
            leads = self.env["crm.lead"].search(
                [("team_id", "=", team.id), ("user_id", "=", False), ("probability", "<", 100)], order="id"
            )
            for lead, (member, turn) in zip(leads, team._medcrm_pick(len(leads)), strict=True):
                if member:
                    lead.with_context(medcrm_handover_reason="round_robin", medcrm_handover_turn=turn).write(
                        {"user_id": member.user_id.id}
                    )
