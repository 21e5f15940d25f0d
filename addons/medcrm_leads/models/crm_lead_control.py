import datetime
from collections import defaultdict

from odoo import api, fields, models


class CrmLead(models.Model):
    """Control of open deals: nothing rots unseen (business problem 3).

    A deal is flagged when it has no planned next activity, an overdue one, or stays in its stage longer than
    the stage allows. The daily cron flags, reminds the manager (one open reminder at a time) and, after the
    stage's escalation delay, notifies the sales head once per flag. Planning an activity, doing the overdue
    one or moving the deal clears the flag at once.
    """

    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    def _medcrm_is_controlled(self):
        """An open deal: an active opportunity, neither won nor lost."""
        self.ensure_one()
        return bool(self.active and self.type == "opportunity" and not self.stage_id.is_won)

    def _medcrm_control_state_at(self, now, reminder_type):
        """The control state of the deal at ``now``; reminders of the control do not count as next activity."""
        self.ensure_one()
        if not self._medcrm_is_controlled():
            return "ok"
        planned = self.activity_ids.filtered(lambda activity: activity.activity_type_id != reminder_type)
        if not planned:
            return "no_activity"
        today = fields.Date.context_today(self.with_context(tz=self.user_id.tz or "UTC"), now)
        if min(planned.mapped("date_deadline")) < today:
            return "overdue_activity"
        max_days = self.stage_id.medcrm_max_idle_days
        if max_days and self.medcrm_stage_date and now - self.medcrm_stage_date > datetime.timedelta(days=max_days):
            return "idle"
        return "ok"

    def _medcrm_refresh_control(self, now=None, notify=False):
        """Bring the control state and flag of the deals up to date.

        :param now: the moment of the check (the cron's); default now
        :param bool notify: also remind the managers of flagged deals and escalate to the sales head (cron)
        :return: {"flagged": leads, "reminded": leads, "escalated": leads, "cleared": leads}
        """
        now = now or fields.Datetime.now()
        reminder_type = self.env.ref("medcrm_leads.mail_activity_type_deal_control", raise_if_not_found=False)
        batches = defaultdict(self.browse)
        result = {key: self.browse() for key in ("flagged", "reminded", "escalated", "cleared")}
        for lead in self:
            state = lead._medcrm_control_state_at(now, reminder_type)
            values = {}
            if lead.medcrm_control_state != state:
                values["medcrm_control_state"] = state
            if state != "ok" and not lead.medcrm_flagged:
                values.update(medcrm_flagged=True, medcrm_flag_date=now, medcrm_escalation_date=False)
                result["flagged"] |= lead
            elif state == "ok" and lead.medcrm_flagged:
                values.update(medcrm_flagged=False, medcrm_flag_date=False, medcrm_escalation_date=False)
                result["cleared"] |= lead
            if values:
                batches[tuple(sorted(values.items()))] |= lead
        for values, leads in batches.items():
            leads.sudo().with_context(tracking_disable=True).write(dict(values))
        if result["cleared"] and reminder_type:
            # the reason of the reminder is gone: it would only mislead the manager
            result["cleared"].activity_ids.filtered(lambda a: a.activity_type_id == reminder_type).sudo().with_context(
                medcrm_control_running=True
            ).unlink()
        if notify:
            flagged = self.filtered("medcrm_flagged")
            result["reminded"] = flagged._medcrm_remind(reminder_type)
            result["escalated"] = flagged._medcrm_escalate(now)
        return result

    def _medcrm_remind(self, reminder_type):
        """One open reminder per flagged deal, for its manager (none added while one is open)."""
        todo = self.filtered(
            lambda lead: (
                lead.user_id
                and not lead.activity_ids.filtered(lambda activity: activity.activity_type_id == reminder_type)
            )
        )
        for lead in todo:
            # written in the manager's language (the cron runs without one)
            deal = lead.with_context(lang=lead.user_id.lang or self.env.lang)
            labels = dict(deal._fields["medcrm_control_state"]._description_selection(deal.env))
            deal.sudo().with_context(medcrm_control_running=True).activity_schedule(
                "medcrm_leads.mail_activity_type_deal_control",
                user_id=deal.user_id.id,
                summary=deal.env._("Deal out of control: %(reason)s", reason=labels[deal.medcrm_control_state]),
                note=deal._medcrm_control_advice(),
            )
        return todo

    def _medcrm_control_advice(self):
        self.ensure_one()
        return {
            "no_activity": self.env._("Plan the next step of the deal: a call, a meeting or an e-mail."),
            "overdue_activity": self.env._("Do the overdue activity or move it to a new date."),
            "idle": self.env._(
                "The deal has been in the stage «%(stage)s» longer than %(days)s days: move it forward or plan "
                "what unblocks it.",
                stage=self.stage_id.name,
                days=self.stage_id.medcrm_max_idle_days,
            ),
        }.get(self.medcrm_control_state, "")

    def _medcrm_escalate(self, now):
        """Deals flagged longer than their stage's escalation delay: the sales head is notified, once."""
        due = self.filtered(
            lambda lead: (
                lead.medcrm_flag_date
                and not lead.medcrm_escalation_date
                and now >= lead.medcrm_flag_date + datetime.timedelta(days=lead.stage_id.medcrm_escalation_days)
            )
        )
        for lead in due:
            heads = lead._medcrm_sales_heads()
            lead.sudo().message_post_with_source(
                "medcrm_leads.mail_template_deal_escalation",
                partner_ids=heads.partner_id.ids,
                subtype_xmlid="mail.mt_note",
                message_type="comment",
            )
        if due:
            due.sudo().with_context(tracking_disable=True).write({"medcrm_escalation_date": now})
        return due

    def _medcrm_sales_heads(self):
        """Who answers for the deal above its manager: the head of its team, else the sales heads."""
        self.ensure_one()
        head = self.team_id.user_id
        if head and head != self.user_id and head.active:
            return head
        return (
            self.env.ref("medcrm_needs.group_medcrm_head")
            .sudo()
            .users.filtered(lambda user: user.active and not user.share and user._is_internal())
        )

    @api.model
    def _medcrm_cron_control_deals(self):
        """Daily: control every open deal (flag, remind, escalate) and update the time in the current stages.

        Idempotent: a run that finds nothing new changes nothing (no second reminder, no second escalation).
        """
        now = fields.Datetime.now()
        deals = self.with_context(active_test=True).search(
            ["|", ("medcrm_flagged", "=", True), "&", ("type", "=", "opportunity"), ("stage_id.is_won", "=", False)]
        )
        deals._medcrm_refresh_control(now, notify=True)
        self.env["medcrm.lead.stage.history"]._medcrm_refresh_current_durations(now)
        return True
