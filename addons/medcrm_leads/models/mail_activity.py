from odoo import api, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._medcrm_refresh_deal_control()
        return activities

    def write(self, vals):
        deals = self._medcrm_deals() if {"date_deadline", "res_id", "active", "activity_type_id"} & set(vals) else None
        result = super().write(vals)
        if deals is not None:
            (deals | self._medcrm_deals())._medcrm_refresh_control()
        return result

    def unlink(self):
        deals = self._medcrm_deals()
        result = super().unlink()
        deals.exists()._medcrm_refresh_control()
        return result

    def _medcrm_deals(self):
        """The deals these activities belong to (a planned next step clears the deal's control flag)."""
        if self.env.context.get("medcrm_control_running"):
            return self.env["crm.lead"]
        ids = {activity.res_id for activity in self.sudo() if activity.res_model == "crm.lead" and activity.res_id}
        return self.env["crm.lead"].sudo().browse(ids).filtered(lambda lead: lead.type == "opportunity")

    def _medcrm_refresh_deal_control(self):
        self._medcrm_deals()._medcrm_refresh_control()
