from odoo import models


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    def _convert_visitor_to_lead(self, partner, key):
        """The operator's "/lead" command: the lead carries the channel "online chat" (Odoo already puts the
        transcript in its description) and goes to the round-robin queue like every incoming interest.

        sudo: the queue usually gives the lead to a colleague, and an operator who sees only his own leads
        could not create it (Odoo's own command creates it unassigned, which his rules allow).
        """
        lead = super(DiscussChannel, self.sudo())._convert_visitor_to_lead(partner, key)
        lead.source_id = self.env.ref("medcrm_leads.utm_source_chat")
        return lead
