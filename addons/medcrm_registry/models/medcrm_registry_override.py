from odoo import fields, models


class MedcrmRegistryOverride(models.Model):
    """The sales head lets a КП or an order go out although a product's certificate has a problem."""

    _name = "medcrm.registry.override"
    _description = "Certificate check override"
    _order = "id desc"

    order_id = fields.Many2one("sale.order", string="Quotation / order", required=True, ondelete="cascade", index=True)
    user_id = fields.Many2one("res.users", string="Allowed by", required=True, default=lambda self: self.env.user)
    date = fields.Datetime(string="Allowed on", required=True, default=fields.Datetime.now)
    reason = fields.Text(required=True)
    product_tmpl_ids = fields.Many2many("product.template", string="Products", help="The products the override covers.")
    problems = fields.Text(string="Certificate problems", help="The products and their certificate statuses then.")
