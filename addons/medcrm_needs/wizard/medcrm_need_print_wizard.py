from odoo import fields, models
from odoo.exceptions import UserError


class MedcrmNeedPrintWizard(models.TransientModel):
    """Print the list of needs: all, open, closed, or the selected ones (record rules apply)."""

    _name = "medcrm.need.print.wizard"
    _description = "Print the list of needs"

    scope = fields.Selection(
        [("all", "All needs"), ("open", "Open needs"), ("closed", "Closed needs"), ("selected", "Selected needs")],
        string="Needs to print",
        required=True,
        default=lambda self: "selected" if self.env.context.get("active_ids") else "open",
    )
    need_ids = fields.Many2many(
        "medcrm.need",
        string="Selected needs",
        default=lambda self: (
            [fields.Command.set(self.env.context.get("active_ids") or [])]
            if self.env.context.get("active_model") == "medcrm.need"
            else False
        ),
    )
    date_from = fields.Date(string="Period from")
    date_to = fields.Date(string="Period to")

    def _get_needs(self):
        self.ensure_one()
        if self.scope == "selected":
            return self.need_ids
        domain = {
            "all": [],
            "open": [("state", "in", ("draft", "open"))],
            "closed": [("state", "in", ("duplicate", "lost", "converted"))],
        }[self.scope]
        if self.date_from:
            domain += [("date_to", ">=", self.date_from)]
        if self.date_to:
            domain += [("date_from", "<=", self.date_to)]
        return self.env["medcrm.need"].with_context(active_test=False).search(domain, order="date_from, name")

    def action_print(self):
        needs = self._get_needs()
        if not needs:
            raise UserError(self.env._("There is no need to print for this choice."))
        return self.env.ref("medcrm_needs.action_report_medcrm_need_list").report_action(
            needs, data={"scope": self.scope}
        )
