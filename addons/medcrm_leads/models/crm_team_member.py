from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"
    _order = "medcrm_sequence, create_date ASC, id"

    # Round-robin queue: the head orders the managers; the rotation follows this order.
    medcrm_sequence = fields.Integer(
        string="Queue order", default=10, help="Position of the manager in the team's round-robin queue."
    )
    # Availability: absence, vacation or time off (no HR module here) is a period; Odoo's
    # "Skip auto assignment" (assignment_optout) takes the member out of the queue until unticked.
    medcrm_unavailable_from = fields.Date(
        string="Unavailable from", help="First day of an absence; empty with an end date: unavailable until then."
    )
    medcrm_unavailable_to = fields.Date(
        string="Unavailable until", help="Last day of an absence; empty with a start date: until further notice."
    )
    medcrm_open_lead_max = fields.Integer(
        string="Max open leads",
        default=0,
        help="The queue skips this manager while he has this many open leads and opportunities in the team "
        "(0: no limit).",
    )
    medcrm_open_lead_count = fields.Integer(
        string="Open leads", compute="_compute_medcrm_open_lead_count", help="Open leads and opportunities in the team."
    )
    medcrm_is_available = fields.Boolean(
        string="Takes leads",
        compute="_compute_medcrm_is_available",
        help="Active, not skipped and not absent today: the round-robin may give him a lead.",
    )

    def _compute_medcrm_open_lead_count(self):
        counts = self._medcrm_open_lead_counts()
        for member in self:
            member.medcrm_open_lead_count = counts.get(member, 0)

    @api.depends_context("tz")
    @api.depends("active", "assignment_optout", "user_id.active", "medcrm_unavailable_from", "medcrm_unavailable_to")
    def _compute_medcrm_is_available(self):
        today = fields.Date.context_today(self)
        for member in self:
            member.medcrm_is_available = member._medcrm_available_on(today)

    @api.constrains("medcrm_unavailable_from", "medcrm_unavailable_to")
    def _check_medcrm_unavailability(self):
        for member in self:
            start, end = member.medcrm_unavailable_from, member.medcrm_unavailable_to
            if start and end and start > end:
                raise ValidationError(
                    self.env._(
                        "The absence of %(user)s ends (%(end)s) before it starts (%(start)s).",
                        user=member.user_id.name,
                        start=start,
                        end=end,
                    )
                )

    # ------------------------------------------------------------
    # ROUND-ROBIN
    # ------------------------------------------------------------

    def _medcrm_available_on(self, day):
        """True when the member may receive a lead on ``day`` (caps are checked by the team)."""
        self.ensure_one()
        if not self.active or self.assignment_optout or not self.user_id.active:
            return False
        start, end = self.medcrm_unavailable_from, self.medcrm_unavailable_to
        if start or end:
            absent = (not start or start <= day) and (not end or day <= end)
            return not absent
        return True

    def _medcrm_queue_key(self):
        self.ensure_one()
        return (self.medcrm_sequence, self.id)

    def _medcrm_open_lead_counts(self):
        """{member: number of open (active, not won) leads and opportunities of his user in his team}."""
        if not self:
            return {}
        groups = (
            self.env["crm.lead"]
            .sudo()
            ._read_group(
                [
                    ("team_id", "in", self.crm_team_id.ids),
                    ("user_id", "in", self.user_id.ids),
                    ("probability", "<", 100),
                ],
                ["team_id", "user_id"],
                ["__count"],
            )
        )
        by_pair = {(team.id, user.id): count for team, user, count in groups}
        return {member: by_pair.get((member.crm_team_id.id, member.user_id.id), 0) for member in self}
