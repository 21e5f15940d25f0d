from odoo import api, fields, models


class MedcrmLeadCallWizard(models.TransientModel):
    """ "Register a call": the manager on the phone fills a few fields, the interest becomes a lead."""

    _name = "medcrm.lead.call.wizard"
    _description = "Register a call"

    source_id = fields.Many2one(
        "utm.source",
        string="Channel",
        required=True,
        default=lambda self: self.env.ref("medcrm_leads.utm_source_inbound_call", raise_if_not_found=False),
    )
    contact_name = fields.Char(string="Caller", required=True)
    partner_name = fields.Char(string="Organisation")
    phone = fields.Char(required=True)
    email = fields.Char(string="E-mail")
    product_ids = fields.Many2many("product.product", string="Products asked about", domain=[("sale_ok", "=", True)])
    comment = fields.Text(string="What the caller wants")
    take_it = fields.Boolean(
        string="I take this lead", help="Keep the lead yourself instead of giving it to the team's round-robin queue."
    )

    @api.model
    def _lead_name(self, contact_name, partner_name, products):
        subject = ", ".join(products.mapped("name")) if products else partner_name or contact_name
        return self.env._("Call: %(subject)s", subject=subject)

    def _prepare_lead_values(self):
        self.ensure_one()
        return {
            "name": self._lead_name(self.contact_name, self.partner_name, self.product_ids),
            "type": "lead",
            "source_id": self.source_id.id,
            "medium_id": self.env.ref("utm.utm_medium_phone").id,
            "contact_name": self.contact_name,
            "partner_name": self.partner_name,
            "phone": self.phone,
            "email_from": self.email,
            "medcrm_product_ids": [fields.Command.set(self.product_ids.ids)],
            "description": self.comment,
            "user_id": self.env.user.id if self.take_it else False,
        }

    def action_register(self):
        self.ensure_one()
        if self.take_it:
            lead = self.env["crm.lead"].create(self._prepare_lead_values())
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lead",
                "res_id": lead.id,
                "view_mode": "form",
                "target": "current",
            }
        # Given to the queue, the lead usually goes to a colleague, whose leads a manager may not create:
        # the call is registered on behalf of the team (creator and hand-over author stay this user).
        lead = self.env["crm.lead"].sudo().create(self._prepare_lead_values())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Call registered"),
                "message": self.env._(
                    "Lead «%(lead)s» is given to %(user)s.", lead=lead.name, user=lead.user_id.name or "-"
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
