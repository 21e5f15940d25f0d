"""Interests kept when a door could not create their lead because of a transient database error."""

import base64
import json
import logging
import random
import time

from psycopg2 import errors as pg_errors

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# Transient errors of concurrent transactions: a new transaction may well succeed (what Odoo retries).
CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)
# Attempts of a door before it keeps the interest for the scheduled replay.
DOOR_ATTEMPTS = 6


def backoff(attempt):
    """Random pause before the next attempt (spreads the retries of concurrent requests)."""
    time.sleep(random.uniform(0, min(1.0, 0.05 * 2**attempt)))  # noqa: S311 - jitter, not cryptography


def replay(env, work):
    """Run ``work()`` in the current transaction, replayed in a fresh one after a transient error.

    Meant for work that is the whole of its transaction (a door's creation, one fetched message): on a
    concurrency error the transaction is rolled back, reset as Odoo's own retry does, and ``work`` runs again,
    ``DOOR_ATTEMPTS`` times at most. Returns ``(True, result)``, or ``(False, the last error)``.
    """
    error = None
    for attempt in range(DOOR_ATTEMPTS):
        try:
            result = work()
            env.flush_all()  # errors of the pending writes belong to this attempt
            return True, result
        except CONCURRENCY_ERRORS as exc:
            error = exc
            env.cr.rollback()
            env.transaction.reset()
            env.registry.reset_changes()
            backoff(attempt)
    return False, error


class MedcrmLeadIntake(models.Model):
    """An interest that arrived while its lead could not be created (transient database error after the
    retries): kept here, never dropped, and turned into a lead by a scheduled action."""

    _name = "medcrm.lead.intake"
    _description = "Interest kept for a retry"
    _order = "id"

    door = fields.Selection(
        [("callback", "Call-back request"), ("medbuy", "Medbuy.ru"), ("mail", "E-mail")],
        required=True,
        readonly=True,
    )
    payload = fields.Text(string="Content", readonly=True, help="Values of the lead (JSON), or the raw e-mail.")
    model = fields.Char(string="Target model", readonly=True, help="E-mail only: the model the mail gateway routes to.")
    attempts = fields.Integer(string="Replay attempts", readonly=True, default=0)
    last_error = fields.Text(readonly=True)

    @api.model
    def _medcrm_keep(self, door, payload, model=False, error=False):
        _logger.warning("Interest from door %s kept for a retry after a transient database error: %s", door, error)
        return self.sudo().create(
            {
                "door": door,
                "payload": payload if door == "mail" else json.dumps(payload, ensure_ascii=False, default=str),
                "model": model,
                "last_error": str(error or ""),
            }
        )

    @api.model
    def _cron_replay(self):
        """Turn the kept interests into leads, one committed transaction each (meant for the cron)."""
        for intake_id in self.search([], limit=1000).ids:
            intake = self.browse(intake_id)
            try:
                intake._medcrm_replay()
                intake.unlink()
                self.env.cr.commit()  # pylint: disable=invalid-commit
            except CONCURRENCY_ERRORS as error:
                self.env.cr.rollback()
                intake = self.browse(intake_id)
                intake.write({"attempts": intake.attempts + 1, "last_error": str(error)})
                self.env.cr.commit()  # pylint: disable=invalid-commit

    def _medcrm_replay(self):
        self.ensure_one()
        if self.door == "mail":
            raw = base64.b64decode(self.payload)
            self.env["mail.thread"].with_context(medcrm_no_retry=True).message_process(self.model or False, raw)
            return
        self.env["crm.lead"].sudo().create(json.loads(self.payload))
