from odoo import models


class ChatbotScriptStep(models.Model):
    _inherit = "chatbot.script.step"

    def _chatbot_crm_prepare_lead_values(self, discuss_channel, description):
        """A chatbot's "create lead" step: channel "online chat" (the script keeps its own campaign stats)."""
        values = super()._chatbot_crm_prepare_lead_values(discuss_channel, description)
        values["source_id"] = self.env.ref("medcrm_leads.utm_source_chat").id
        return values
