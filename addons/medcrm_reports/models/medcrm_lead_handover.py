from odoo import api, fields, models
from odoo.tools import SQL

# What counts as the receiver's reaction: anything he writes or does on the lead, not automatic notifications.
RESPONSE_MESSAGE_TYPES = ("comment", "email", "email_outgoing", "notification")


class MedcrmLeadHandover(models.Model):
    _inherit = "medcrm.lead.handover"

    # How fast the receiver reacted: his first message, note, e-mail, done activity or tracked change on the
    # lead after he got it. Set by the lead's chatter (crm_lead._message_create), never by hand.
    medcrm_response_date = fields.Datetime(
        string="First response",
        readonly=True,
        copy=False,
        help="When the receiver first acted on the lead after receiving it (message, e-mail, note, done "
        "activity, change of the lead).",
    )

    def init(self):
        # Received leads still waiting for their first response are looked up on every message of a lead.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS medcrm_lead_handover_awaiting_response_idx
                   ON medcrm_lead_handover (lead_id, to_user_id) WHERE medcrm_response_date IS NULL"""
        )

    @api.model
    def _medcrm_record_responses(self, messages):
        """Mark the hand-overs answered by ``messages`` (mail.message of leads): the first message the
        receiver of a lead writes after receiving it is his first response."""
        rows = [
            (message.res_id, message.author_id.id, message.date)
            for message in messages
            if message.model == "crm.lead"
            and message.res_id
            and message.author_id
            and message.date
            and message.message_type in RESPONSE_MESSAGE_TYPES
        ]
        if not rows:
            return
        values = SQL(", ").join(
            SQL("(%s, %s, %s::timestamp)", lead_id, author_id, date) for lead_id, author_id, date in rows
        )
        self.env.cr.execute(
            SQL(
                """UPDATE medcrm_lead_handover handover
                      SET medcrm_response_date = message.date
                     FROM (SELECT lead_id, author_id, MIN(date) AS date
                             FROM (VALUES %s) AS m(lead_id, author_id, date)
                            GROUP BY lead_id, author_id) AS message, res_users receiver
                    WHERE handover.lead_id = message.lead_id
                      AND handover.medcrm_response_date IS NULL
                      AND handover.to_user_id = receiver.id
                      AND receiver.partner_id = message.author_id
                      AND handover.date <= message.date
                RETURNING handover.id""",
                values,
            )
        )
        if self.env.cr.rowcount:
            self.invalidate_model(["medcrm_response_date"])

    @api.model
    def _medcrm_backfill_responses(self):
        """Compute the first responses of the existing hand-overs from the leads' chatter (on install)."""
        self.env.cr.execute(
            SQL(
                """UPDATE medcrm_lead_handover handover
                  SET medcrm_response_date = first.date
                 FROM (SELECT handover.id, MIN(message.date) AS date
                         FROM medcrm_lead_handover handover
                         JOIN res_users receiver ON receiver.id = handover.to_user_id
                         JOIN mail_message message
                           ON message.model = 'crm.lead'
                          AND message.res_id = handover.lead_id
                          AND message.author_id = receiver.partner_id
                          AND message.message_type IN %s
                          -- the lead's creation message is no response of the user who created it
                          AND (message.date > handover.date
                               OR (message.date = handover.date AND handover.reason <> 'created'))
                        WHERE handover.medcrm_response_date IS NULL
                        GROUP BY handover.id) AS first
                WHERE handover.id = first.id""",
                RESPONSE_MESSAGE_TYPES,
            )
        )
        self.invalidate_model(["medcrm_response_date"])
