import base64
import xmlrpc.client

from odoo import api, models

from .medcrm_lead_intake import replay


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_process(
        self, model, message, custom_values=None, save_original=False, strip_attachments=False, thread_id=None
    ):
        """Mail gateway fetching the mailboxes (Odoo's fetchmail cron commits after each message and marks it
        read even when it failed): a transient database error replays the message in a fresh transaction,
        then keeps it in ``medcrm.lead.intake`` for the scheduled replay, instead of losing it.

        Messages piped by the MTA (odoo-mailgate over XML-RPC) are retried by Odoo and, failing that,
        left to the MTA, which retries them.
        """
        if not self.env.context.get("fetchmail_cron_running") or self.env.context.get("medcrm_no_retry"):
            return super().message_process(model, message, custom_values, save_original, strip_attachments, thread_id)
        # fetch_mail committed the previous message: a rollback undoes this one only
        done, outcome = replay(
            self.env,
            lambda: super(MailThread, self).message_process(
                model, message, custom_values, save_original, strip_attachments, thread_id
            ),
        )
        if done:
            return outcome
        if isinstance(message, xmlrpc.client.Binary):
            message = bytes(message.data)
        if isinstance(message, str):
            message = message.encode()
        self.env["medcrm.lead.intake"]._medcrm_keep(
            "mail", base64.b64encode(message).decode(), model=model, error=outcome
        )
        return False
