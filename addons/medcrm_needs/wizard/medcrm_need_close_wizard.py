from odoo import api, fields, models
from odoo.exceptions import UserError


class MedcrmNeedCloseWizard(models.TransientModel):
    """Close needs by hand: as a duplicate of another need or deal, or as lost/irrelevant; a comment is required."""

    _name = "medcrm.need.close.wizard"
    _description = "Close needs"

    need_ids = fields.Many2many("medcrm.need", string="Needs", required=True)
    close_as = fields.Selection(
        [("duplicate", "Duplicate"), ("lost", "Lost / irrelevant")],
        string="Close as",
        required=True,
        default="duplicate",
    )
    warning_id = fields.Many2one(
        "medcrm.need.duplicate",
        string="Found duplicate",
        domain="[('need_id', 'in', need_ids)]",
        help="One of the possible duplicates found by the check.",
    )
    duplicate_of_need_id = fields.Many2one(
        "medcrm.need",
        string="Duplicate of need",
        compute="_compute_duplicate_of",
        store=True,
        readonly=False,
        domain="[('id', 'not in', need_ids), ('state', 'in', ('open', 'converted'))]",
        context={"active_test": False},
    )
    duplicate_of_deal_id = fields.Many2one(
        "crm.lead",
        string="Duplicate of deal",
        compute="_compute_duplicate_of",
        store=True,
        readonly=False,
        domain="[('type', '=', 'opportunity')]",
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Lost reason")
    comment = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if (
            "need_ids" in fields_list
            and not values.get("need_ids")
            and self.env.context.get("active_model") == "medcrm.need"
        ):
            values["need_ids"] = [fields.Command.set(self.env.context.get("active_ids") or [])]
        return values

    @api.depends("warning_id")
    def _compute_duplicate_of(self):
        for wizard in self:
            if wizard.warning_id:
                warning = wizard.warning_id.sudo()
                wizard.duplicate_of_need_id = warning.other_need_id
                wizard.duplicate_of_deal_id = warning.other_deal_id

    def action_close(self):
        self.ensure_one()
        if not (self.comment or "").strip():
            raise UserError(self.env._("Write a comment: why is the need closed?"))
        needs = self.need_ids
        closed = needs.filtered(lambda n: n.state not in ("draft", "open"))
        if closed:
            raise UserError(
                self.env._("These needs are already closed: %(needs)s.", needs=", ".join(closed.mapped("name")))
            )
        values = {"state": self.close_as, "close_comment": self.comment, "satisfiable": False}
        if self.close_as == "duplicate":
            if not (self.duplicate_of_need_id or self.duplicate_of_deal_id):
                raise UserError(self.env._("Choose the need or the deal that these needs duplicate."))
            if self.duplicate_of_need_id in needs:
                raise UserError(self.env._("A need cannot be a duplicate of itself."))
            values |= {
                "duplicate_of_need_id": self.duplicate_of_need_id.id,
                "duplicate_of_deal_id": self.duplicate_of_deal_id.id,
            }
        else:
            if not self.lost_reason_id:
                raise UserError(self.env._("Choose the reason why the need is lost or irrelevant."))
            values["lost_reason_id"] = self.lost_reason_id.id
        needs.write(values)
        return {"type": "ir.actions.act_window_close"}
