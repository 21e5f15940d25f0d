from odoo import api, fields, models
from odoo.tools import SQL


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

        The rotation pointer (a row of crm_team) is locked until the transaction ends, so simultaneous
        creations serve the turns one after the other: no turn is given twice and nobody is skipped.
        Under Odoo's repeatable-read isolation a pick that waited for another one fails with a
        serialization error, and Odoo retries the whole request, which then sees the new pointer.

        :return list[tuple]: one ``(member, turn)`` per turn; an empty member (and turn 0) when nobody
            of the queue is available or under his cap
        """
        self.ensure_one()
        self.flush_recordset(["medcrm_rotation_member_id", "medcrm_rotation_turn"])
        self.env.cr.execute(
            SQL(
                "SELECT medcrm_rotation_member_id, medcrm_rotation_turn FROM crm_team WHERE id = %s FOR NO KEY UPDATE",
                self.id,
            )
        )
        last_member_id, turn = self.env.cr.fetchone()
        turn = turn or 0
        last = self.env["crm.team.member"].sudo().with_context(active_test=False).browse(last_member_id).exists()
        position = last._medcrm_queue_key() if last else None
        members = self._medcrm_queue_members()
        open_counts = members.filtered("medcrm_open_lead_max")._medcrm_open_lead_counts()
        picks = []
        for _index in range(count):
            member = self._medcrm_next_in_queue(members, position, open_counts)
            if not member:
                picks.append((member, 0))
                continue
            turn += 1
            position = member._medcrm_queue_key()
            last = member
            if member in open_counts:
                open_counts[member] += 1
            picks.append((member, turn))
        if any(member for member, _turn in picks):
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
