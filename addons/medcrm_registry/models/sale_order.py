from odoo import api, fields, models
from odoo.exceptions import UserError

HEAD_GROUP = "medcrm_needs.group_medcrm_head"


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    medcrm_registry_status = fields.Selection(related="product_id.medcrm_registry_status", string="Certificate status")
    medcrm_registry_problem = fields.Boolean(related="product_id.medcrm_registry_problem", string="Certificate problem")


class SaleOrder(models.Model):
    _inherit = "sale.order"

    medcrm_registry_override_ids = fields.One2many(
        "medcrm.registry.override", "order_id", string="Certificate overrides", readonly=True
    )
    medcrm_registry_problems = fields.Text(
        string="Certificate problems",
        compute="_compute_medcrm_registry_problems",
        help="Products of the order whose registration certificate is expired, annulled, not found in the state "
        "register or not recognized.",
    )
    medcrm_registry_blocked = fields.Boolean(
        string="Blocked by certificates",
        compute="_compute_medcrm_registry_problems",
        help="A product's certificate has a problem and no override of the sales head covers it: the quotation "
        "cannot be sent nor the order confirmed.",
    )

    @api.depends("order_line.product_id", "medcrm_registry_override_ids")
    def _compute_medcrm_registry_problems(self):
        for order in self:
            problems = order._medcrm_registry_problem_products()
            order.medcrm_registry_problems = order._medcrm_registry_describe(problems) or False
            order.medcrm_registry_blocked = bool(problems - order.medcrm_registry_override_ids.product_tmpl_ids)

    def _medcrm_registry_problem_products(self):
        self.ensure_one()
        lines = self.order_line.filtered(lambda line: not line.display_type and line.product_id)
        return lines.product_id.product_tmpl_id.filtered("medcrm_registry_problem")

    def _medcrm_registry_describe(self, products):
        labels = dict(self.env["product.template"]._fields["medcrm_registry_status"]._description_selection(self.env))
        return "\n".join(
            "{} — {}: {}".format(
                product.display_name, product.medcrm_registry_code or "", labels.get(product.medcrm_registry_status)
            )
            for product in products
        )

    def _medcrm_registry_check(self):
        """Refuse to send or confirm while a product's certificate has a problem no override covers."""
        orders = self.filtered(lambda order: order.order_line)
        if not orders:
            return
        orders.order_line.product_id.product_tmpl_id._medcrm_registry_match()
        orders.invalidate_recordset(["medcrm_registry_problems", "medcrm_registry_blocked"])
        for order in orders:
            problems = order._medcrm_registry_problem_products() - order.medcrm_registry_override_ids.product_tmpl_ids
            if problems:
                raise UserError(
                    self.env._(
                        "%(order)s cannot be sent or confirmed: the registration certificate (РУ) of these products "
                        "is not valid in the state register:\n%(problems)s\n\nCorrect the certificate in 1C, replace "
                        "the product, or ask the head of sales to allow it with a reason.",
                        order=order.name,
                        problems=order._medcrm_registry_describe(problems),
                    )
                )

    def write(self, vals):
        if vals.get("state") in ("sent", "sale"):
            target = vals["state"]
            moving = self.filtered(lambda order: order.state == "draft" or (target == "sale" and order.state == "sent"))
            moving._medcrm_registry_check()
        return super().write(vals)

    def action_quotation_send(self):
        self.filtered(lambda order: order.state == "draft")._medcrm_registry_check()
        return super().action_quotation_send()

    def action_medcrm_registry_override(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Allow despite the certificates"),
            "res_model": "medcrm.registry.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }
