import sys

from odoo import models

from .medcrm_lead_intake import CONCURRENCY_ERRORS


class MailAlias(models.Model):
    _inherit = "mail.alias"

    def _alias_bounce_incoming_email(self, message, message_dict, set_invalid=True):
        """Odoo bounces a message whose record could not be created and marks the alias invalid. A transient
        database error is no refusal: the message is replayed (``mail.thread.message_process``), so the
        sender gets no bounce and the alias stays valid."""
        if isinstance(sys.exc_info()[1], CONCURRENCY_ERRORS):
            return None
        return super()._alias_bounce_incoming_email(message, message_dict, set_invalid=set_invalid)
