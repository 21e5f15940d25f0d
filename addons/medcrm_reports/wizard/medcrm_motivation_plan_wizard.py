from odoo import api, fields, models


class MedcrmMotivationPlanWizard(models.TransientModel):
    """The head prepares the month: a draft plan for each manager, with last month's targets."""

    _name = "medcrm.motivation.plan.wizard"
    _description = "Plans of the month"

    date = fields.Date(
        string="Month",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="Any day of the month to plan.",
    )
    scheme_id = fields.Many2one(
        "medcrm.bonus.scheme",
        string="Bonus scheme",
        required=True,
        default=lambda self: self.env["medcrm.bonus.scheme"].search(
            [("company_id", "=", self.env.company.id)], limit=1
        ),
        domain="[('company_id', '=', company_id)]",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    user_ids = fields.Many2many(
        "res.users",
        string="Managers",
        default=lambda self: self._default_user_ids(),
        domain="[('share', '=', False)]",
    )
    copy_previous = fields.Boolean(
        string="Copy last month's targets", default=True, help="Each manager gets the targets of his previous plan."
    )

    @api.model
    def _default_user_ids(self):
        """The members of the company's sales teams, without the sales heads."""
        members = self.env["crm.team.member"].search([("crm_team_id.company_id", "in", [self.env.company.id, False])])
        return members.user_id.filtered(
            lambda user: not user.share and not user.has_group("sales_team.group_sale_manager")
        )

    def action_create_plans(self):
        """Create the missing draft plans of the month and show the month's plans."""
        self.ensure_one()
        month = self.date.replace(day=1)
        Plan = self.env["medcrm.motivation.plan"]
        existing = Plan.search([("date", "=", month), ("company_id", "=", self.company_id.id)])
        users = self.user_ids - existing.user_id
        previous = {}
        if self.copy_previous and users:
            for plan in Plan.search(
                [("user_id", "in", users.ids), ("company_id", "=", self.company_id.id), ("date", "<", month)],
                order="date desc",
            ):
                previous.setdefault(plan.user_id, plan)
        plans = Plan.create(
            [
                {"user_id": user.id, "date": month, "company_id": self.company_id.id, "scheme_id": self.scheme_id.id}
                | (
                    {"base_amount": previous[user].base_amount}
                    if user in previous and previous[user].scheme_id == self.scheme_id
                    else {}
                )
                for user in users
            ]
        )
        for plan in plans.filtered(lambda p: p.user_id in previous):
            targets = {line.kpi: line.target for line in previous[plan.user_id].line_ids}
            for line in plan.line_ids:
                line.target = targets.get(line.kpi, 0.0)
        action = self.env["ir.actions.act_window"]._for_xml_id("medcrm_reports.medcrm_motivation_plan_action")
        action["domain"] = [("date", "=", month), ("company_id", "=", self.company_id.id)]
        action["context"] = {"default_date": month}
        return action
