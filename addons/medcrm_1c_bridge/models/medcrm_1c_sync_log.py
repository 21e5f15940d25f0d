import json
import time

from odoo import api, fields, models

MAX_PAYLOAD = 20000


class MedcrmOnecSyncLog(models.Model):
    """One run of an exchange with 1C: what was read and written, how long it took, what failed."""

    _name = "medcrm.1c.sync.log"
    _description = "1C exchange log"
    _medcrm_input_guard = False  # written by the exchange itself: what 1C sent is kept as it came
    _order = "date_start desc, id desc"
    _rec_name = "display_title"

    connection_id = fields.Many2one("medcrm.1c.connection", required=True, ondelete="cascade", index=True)
    direction = fields.Selection([("in", "1C → CRM"), ("out", "CRM → 1C")], required=True)
    entity = fields.Selection(
        [
            ("products", "Products"),
            ("prices", "Prices and stock"),
            ("partners", "Counterparties"),
            ("orders", "Customer orders"),
            ("order_status", "Order status"),
        ],
        required=True,
    )
    mode = fields.Selection([("full", "Full"), ("incremental", "Incremental")], required=True, default="full")
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("warning", "Done with warnings"),
            ("partial", "Done with errors"),
            ("awaiting", "Awaiting confirmation"),
            ("discarded", "Discarded"),
            ("failed", "Failed"),
        ],
        required=True,
        default="running",
    )
    display_title = fields.Char(compute="_compute_display_title")
    date_start = fields.Datetime(string="Started", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime(string="Finished")
    duration = fields.Float(string="Duration (s)", digits=(16, 2))
    count_read = fields.Integer(string="Read")
    count_created = fields.Integer(string="Created")
    count_updated = fields.Integer(string="Updated")
    count_archived = fields.Integer(string="Archived")
    count_unchanged = fields.Integer(string="Unchanged")
    count_errors = fields.Integer(string="Errors")
    count_warnings = fields.Integer(string="Warning count")
    count_groups = fields.Integer(string="Groups")
    count_variants = fields.Integer(string="Variants")
    count_prices = fields.Integer(string="Prices")
    stock_total = fields.Float(string="Stock read", digits=(16, 3), help="Sum of the balances read from 1C.")
    source_info = fields.Char(string="Source", help="What was read: CommerceML versions and files, or OData sets.")
    pending_archive = fields.Text(
        string="Products to archive", help="References 1C no longer lists, held until an administrator confirms."
    )
    count_pending = fields.Integer(string="To archive (held)")
    count_requests = fields.Integer(string="HTTP requests", help="Requests sent to 1C, retries included.")
    message = fields.Text(help="Why the run failed as a whole.")
    warnings = fields.Text(help="What 1C does not publish and the run therefore did not read (one per line).")
    line_ids = fields.One2many("medcrm.1c.sync.log.line", "log_id", string="Record errors")

    @api.depends("direction", "entity", "mode", "date_start")
    def _compute_display_title(self):
        directions = dict(self._fields["direction"]._description_selection(self.env))
        entities = dict(self._fields["entity"]._description_selection(self.env))
        modes = dict(self._fields["mode"]._description_selection(self.env))
        for log in self:
            log.display_title = (
                f"{entities.get(log.entity, '')} ({directions.get(log.direction, '')}, {modes.get(log.mode, '')})"
            )

    def _medcrm_1c_add_error(self, message, guid=None, payload=None):
        """Record one failed record; the batch goes on."""
        self.ensure_one()
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload, ensure_ascii=False, default=str, indent=1)
        self.env["medcrm.1c.sync.log.line"].sudo().create(
            {"log_id": self.id, "guid": guid or False, "message": message, "payload": (payload or "")[:MAX_PAYLOAD]}
        )
        self.count_errors += 1

    def _medcrm_1c_add_warning(self, message, guid=None, payload=None):
        """Something read but worth a person's look (a price type missing, a unit without a name)."""
        self.ensure_one()
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload, ensure_ascii=False, default=str, indent=1)
        self.env["medcrm.1c.sync.log.line"].sudo().create(
            {
                "log_id": self.id,
                "level": "warning",
                "guid": guid or False,
                "message": message,
                "payload": (payload or "")[:MAX_PAYLOAD],
            }
        )
        self.count_warnings += 1
        self.warnings = "\n".join(filter(None, [self.warnings, message]))

    def action_confirm_archive(self):
        """The administrator agrees: the products 1C no longer lists are archived now."""
        for log in self.filtered(lambda entry: entry.state == "awaiting"):
            guids = json.loads(log.pending_archive or "[]")
            log.connection_id._medcrm_1c_archive_confirmed(log, guids)
        return True

    def action_discard_archive(self):
        """The administrator refuses: nothing is archived, the products stay as they are."""
        self.filtered(lambda entry: entry.state == "awaiting").write({"state": "discarded", "pending_archive": False})
        return True

    def _medcrm_1c_finish(self, started, message=None, requests=0, warnings=None):
        self.ensure_one()
        for warning in warnings or ():
            self._medcrm_1c_add_warning(warning)
        if message:
            state = "failed"
        elif self.pending_archive:
            state = "awaiting"
        elif self.count_errors:
            state = "partial"
        elif self.count_warnings:
            state = "warning"
        else:
            state = "done"
        self.write(
            {
                "state": state,
                "message": message or False,
                "date_end": fields.Datetime.now(),
                "duration": time.monotonic() - started,
                "count_requests": requests,
            }
        )


class MedcrmOnecSyncLogLine(models.Model):
    _name = "medcrm.1c.sync.log.line"
    _description = "1C exchange error"
    _medcrm_input_guard = False
    _order = "id"

    log_id = fields.Many2one("medcrm.1c.sync.log", required=True, ondelete="cascade", index=True)
    level = fields.Selection([("error", "Error"), ("warning", "Warning")], required=True, default="error")
    guid = fields.Char(string="1C reference")
    message = fields.Text(required=True)
    payload = fields.Text(help="The record as 1C sent it.")
