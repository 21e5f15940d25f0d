from odoo import models


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    def _convert_visitor_to_lead(self, partner, key):
        """The operator's "/lead" command: the lead carries the channel "online chat"; Odoo already puts
        the chat transcript in its description."""
        lead = super()._convert_visitor_to_lead(partner, key)
        lead.source_id = self.env.ref("medcrm_leads.utm_source_chat")
        return lead
