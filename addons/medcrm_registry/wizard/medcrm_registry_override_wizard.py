from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import html_escape

from ..models.sale_order import HEAD_GROUP


class MedcrmRegistryOverrideWizard(models.TransientModel):
    _name = "medcrm.registry.override.wizard"
    _description = "Allow a quotation despite its certificates"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    problems = fields.Text(related="order_id.medcrm_registry_problems")
    reason = fields.Text(required=True, help="Why the quotation or order may go out: it is kept in the log.")

    def action_allow(self):
        self.ensure_one()
        if not self.env.user.has_group(HEAD_GROUP):
            raise AccessError(self.env._("Only the head of sales may allow a quotation despite its certificates."))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for allowing it."))
        order = self.order_id
        order.order_line.product_id.product_tmpl_id._medcrm_registry_match()
        products = order._medcrm_registry_problem_products()
        if not products:
            raise UserError(self.env._("The certificates of this quotation have no problem: nothing to allow."))
        problems = order._medcrm_registry_describe(products)
        self.env["medcrm.registry.override"].create(
            {
                "order_id": order.id,
                "reason": reason,
                "product_tmpl_ids": [fields.Command.set(products.ids)],
                "problems": problems,
            }
        )
        order.message_post(
            body=self.env._(
                "Certificate check overridden by %(user)s. Reason: %(reason)s. Products: %(problems)s",
                user=html_escape(self.env.user.name),
                reason=html_escape(reason),
                problems=html_escape(problems),
            )
        )
        return {"type": "ir.actions.act_window_close"}
