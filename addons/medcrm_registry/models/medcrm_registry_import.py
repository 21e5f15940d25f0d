"""Import of the state register into ``medcrm.registry.certificate``, streaming and idempotent.

The file (a zip or a CSV, uploaded or downloaded into a temporary file) is read row by row
(:func:`registry_format.iter_rows`); rows go to a temporary table by ``COPY`` in batches, so memory stays
flat whatever the size of the register. One ``INSERT … ON CONFLICT (number_key) DO UPDATE … WHERE the row
changed`` then merges them: the same file imported twice adds and changes nothing.
"""

import csv
import hashlib
import io
import logging
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile

from odoo import api, fields, models
from odoo.exceptions import UserError

from .registry_format import ANNULLED, RegisterFormatError, iter_rows, normalize_number, parse_date

_logger = logging.getLogger(__name__)

BATCH = 10000
MAX_REJECTIONS_KEPT = 1000
URL_PARAM = "medcrm_registry.url"
DEFAULT_URL = "https://roszdravnadzor.gov.ru/opendata/7710537160-medproducts/meta.csv"
DOWNLOAD_TIMEOUT = 120
# Columns of the temporary table, in the order of the COPY; the certificate's columns but for the keys.
COLUMNS = (
    "name",
    "number_key",
    "unique_number",
    "registration_date",
    "date_end",
    "device_name",
    "applicant",
    "applicant_address",
    "producer",
    "producer_address",
    "okp",
    "risk_class",
    "appointment",
    "kind",
    "address_production",
    "details",
    "annulled",
    "row_hash",
)


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": None})


def copy_text(value):
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value).translate(COPY_ESCAPES)


class MedcrmRegistryImport(models.Model):
    """One import of the register: where from, how many rows read, added, changed, rejected and why."""

    _name = "medcrm.registry.import"
    _description = "Register import"
    _order = "id desc"

    name = fields.Char(string="Source", required=True, readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="running", readonly=True
    )
    date_start = fields.Datetime(string="Started", default=fields.Datetime.now, readonly=True)
    duration = fields.Float(string="Duration, s", readonly=True, digits=(16, 1))
    user_id = fields.Many2one("res.users", string="Started by", default=lambda self: self.env.user, readonly=True)
    count_read = fields.Integer(string="Rows read", readonly=True)
    count_added = fields.Integer(string="Added", readonly=True)
    count_changed = fields.Integer(string="Changed", readonly=True)
    count_unchanged = fields.Integer(string="Unchanged", readonly=True)
    count_duplicate = fields.Integer(
        string="Repeated numbers",
        readonly=True,
        help="Rows repeating a number of an earlier row: the last one is kept.",
    )
    count_rejected = fields.Integer(string="Rejected", readonly=True)
    count_products = fields.Integer(string="Products checked", readonly=True)
    error = fields.Text(readonly=True)
    rejection_ids = fields.One2many(
        "medcrm.registry.import.rejection", "import_id", string="Rejected rows", readonly=True
    )

    # ------------------------------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------------------------------

    @api.model
    def _registry_url(self):
        return self.env["ir.config_parameter"].sudo().get_param(URL_PARAM) or DEFAULT_URL

    @api.model
    def _cron_import(self):
        """Weekly: download the register from the configured URL; a failure is logged, not raised."""
        log = self._import_url(self._registry_url(), raise_error=False)
        return log

    @api.model
    def _import_url(self, url, raise_error=True):
        log = self.create({"name": url})
        try:
            with tempfile.TemporaryFile() as data:
                self._download_register(url, data)
                log._import_stream(data, raise_error=raise_error)
        except UserError as err:
            if raise_error:
                raise
            log.write({"state": "failed", "error": str(err.args[0] if err.args else err)})
        return log

    @api.model
    def _import_file(self, binary, filename, raise_error=True):
        """Import an uploaded file (a zip or a CSV), given as a binary file object."""
        log = self.create({"name": filename or self.env._("Uploaded file")})
        log._import_stream(binary, raise_error=raise_error)
        return log

    # ------------------------------------------------------------------------------------------
    # Download
    # ------------------------------------------------------------------------------------------

    @api.model
    def _fetch(self, url, target):
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme not in ("http", "https"):
            raise UserError(self.env._("The register address must start with http:// or https://: %(url)s", url=url))
        request = urllib.request.Request(url, headers={"User-Agent": "MedCRM registry import"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 - scheme checked
                shutil.copyfileobj(response, target, 1024 * 1024)
        except OSError as err:
            raise UserError(
                self.env._("The register could not be downloaded from %(url)s: %(error)s", url=url, error=err)
            ) from err
        target.seek(0)

    @api.model
    def _download_register(self, url, target):
        """Download the register into ``target``; a ``meta.csv`` is followed to the data file it names."""
        self._fetch(url, target)
        head = target.read(4)
        target.seek(0)
        if head.startswith(b"PK\x03\x04"):
            return
        sample = target.read(1024 * 1024)
        target.seek(0)
        data_url = self._data_url_from_meta(url, sample)
        if data_url:
            target.seek(0)
            target.truncate()
            self._fetch(data_url, target)

    @api.model
    def _data_url_from_meta(self, meta_url, content):
        """The data file a passport (meta.csv) of an open dataset names: its last «data-…» entry.

        Returns None when ``content`` is not a passport (then it is the data itself).
        """
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
        first = text.split("\n", 1)[0].lower()
        if "registration_number" in first:
            return None
        found = None
        for row in csv.reader(io.StringIO(text), delimiter="," if first.count(",") >= first.count(";") else ";"):
            if len(row) < 2:
                continue
            key, value = row[0].strip().lower(), row[1].strip()
            if (
                key.startswith("data-")
                and value
                or not found
                and value.lower().split("?")[0].endswith((".zip", ".csv"))
                and "structure" not in key
            ):
                found = value
        if not found:
            if "property" in first:
                raise UserError(self.env._("The passport %(url)s names no data file.", url=meta_url))
            return None
        return urllib.parse.urljoin(meta_url, found)

    # ------------------------------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------------------------------

    def _import_stream(self, binary, raise_error=True):
        """Read the register from ``binary``, merge it, check the products; fill this log."""
        self.ensure_one()
        started = time.monotonic()
        cr = self.env.cr
        try:
            with cr.savepoint():
                counts, rejections = self._load(binary)
        except (RegisterFormatError, UnicodeError, OSError, ValueError, EOFError, csv.Error, zipfile.BadZipFile) as err:
            _logger.warning("register import %s failed: %s", self.name, err)
            message = self.env._(
                "The file is not the register of medical devices: a «;»-separated CSV (or a zip of one) with a "
                "header row naming the registration_number column is expected. (%(error)s)",
                error=err,
            )
            self.write({"state": "failed", "error": message, "duration": time.monotonic() - started})
            if raise_error:
                raise UserError(message) from err
            return self
        self.env.invalidate_all()
        if rejections:
            self.env["medcrm.registry.import.rejection"].create(
                [dict(values, import_id=self.id) for values in rejections[:MAX_REJECTIONS_KEPT]]
            )
        counts["count_products"] = self.env["product.template"]._medcrm_registry_match()
        counts.update(state="done", duration=time.monotonic() - started)
        self.write(counts)
        _logger.info("register import %s: %s", self.name, counts)
        return self

    def _load(self, binary):
        cr = self.env.cr
        cr.execute("DROP TABLE IF EXISTS medcrm_registry_batch")
        cr.execute(
            "CREATE TEMP TABLE medcrm_registry_batch (seq int4, name varchar, number_key varchar, "
            "unique_number varchar, registration_date date, date_end date, device_name text, applicant text, "
            "applicant_address text, producer text, producer_address text, okp varchar, risk_class varchar, "
            "appointment text, kind varchar, address_production text, details text, annulled bool, row_hash varchar)"
        )
        read = rejected = 0
        rejections = []
        buffer = io.StringIO()
        pending = 0
        for line, row in iter_rows(binary):
            read += 1
            values, reason = self._row_values(row)
            if reason:
                rejected += 1
                if len(rejections) < MAX_REJECTIONS_KEPT:
                    rejections.append(
                        {"line": line, "number": (row.get("registration_number") or "")[:200], "reason": reason}
                    )
                continue
            buffer.write(str(read))
            for column in COLUMNS:
                buffer.write("\t")
                buffer.write(copy_text(values[column]))
            buffer.write("\n")
            pending += 1
            if pending >= BATCH:
                self._copy(buffer)
                buffer = io.StringIO()
                pending = 0
        if pending:
            self._copy(buffer)
        if not read:
            raise RegisterFormatError("no data rows")
        cr.execute("SELECT count(*), count(DISTINCT number_key) FROM medcrm_registry_batch")
        total, distinct = cr.fetchone()
        now = fields.Datetime.now()
        columns = ", ".join(COLUMNS)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "number_key")
        cr.execute(
            f"""
            WITH merged AS (
                INSERT INTO medcrm_registry_certificate
                       ({columns}, import_id, create_uid, create_date, write_uid, write_date)
                SELECT DISTINCT ON (number_key) {columns}, %(log)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM medcrm_registry_batch
              ORDER BY number_key, seq DESC
                ON CONFLICT (number_key) DO UPDATE
                   SET {updates}, import_id = EXCLUDED.import_id, write_uid = EXCLUDED.write_uid,
                       write_date = EXCLUDED.write_date
                 WHERE medcrm_registry_certificate.row_hash IS DISTINCT FROM EXCLUDED.row_hash
             RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
            """,  # noqa: S608 - fixed column names
            {"log": self.id, "uid": self.env.uid, "now": now},
        )
        added, changed = cr.fetchone()
        cr.execute("DROP TABLE medcrm_registry_batch")
        counts = {
            "count_read": read,
            "count_added": added,
            "count_changed": changed,
            "count_unchanged": distinct - added - changed,
            "count_duplicate": total - distinct,
            "count_rejected": rejected,
        }
        return counts, rejections

    def _copy(self, buffer):
        buffer.seek(0)
        columns = ", ".join(("seq", *COLUMNS))
        self.env.cr._obj.copy_expert(f"COPY medcrm_registry_batch ({columns}) FROM STDIN", buffer)

    @api.model
    def _row_values(self, row):
        """(values, None) of a register row, or (None, the Russian reason it is rejected)."""
        number = row.get("registration_number") or ""
        if not number.strip():
            return None, self.env._("no certificate number")
        key, _recognized = normalize_number(number)
        if not key:
            return None, self.env._("no certificate number")
        try:
            registration_date = parse_date(row.get("registration_date"))
        except ValueError:
            return None, self.env._("registration date not understood: «%(value)s»", value=row.get("registration_date"))
        try:
            date_end = parse_date(row.get("registration_date_end"))
        except ValueError:
            return None, self.env._("end date not understood: «%(value)s»", value=row.get("registration_date_end"))
        annulled = bool(ANNULLED.search(row.get("status") or ""))
        values = {
            "name": " ".join(number.split())[:200],
            "number_key": key,
            "unique_number": row.get("unique_number") or None,
            "registration_date": registration_date,
            "date_end": date_end,
            "device_name": row.get("name") or None,
            "applicant": row.get("applicant") or None,
            "applicant_address": row.get("applicant_address_legal") or row.get("applicant_address_post") or None,
            "producer": row.get("producer") or None,
            "producer_address": row.get("producer_address_legal") or row.get("producer_address_post") or None,
            "okp": (row.get("okp") or "")[:100] or None,
            "risk_class": (row.get("class") or "")[:50] or None,
            "appointment": row.get("appointment") or None,
            "kind": (row.get("kind") or "")[:200] or None,
            "address_production": row.get("address_production") or None,
            "details": row.get("details") or None,
            "annulled": annulled,
        }
        fingerprint = "\x1f".join("" if values[c] is None else str(values[c]) for c in COLUMNS[:-1])
        values["row_hash"] = hashlib.md5(fingerprint.encode(), usedforsecurity=False).hexdigest()
        return values, None

    def action_view_rejections(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Rejected rows"),
            "res_model": "medcrm.registry.import.rejection",
            "view_mode": "list",
            "domain": [("import_id", "=", self.id)],
        }


class MedcrmRegistryImportRejection(models.Model):
    _name = "medcrm.registry.import.rejection"
    _description = "Rejected register row"
    _order = "import_id, line"

    import_id = fields.Many2one("medcrm.registry.import", required=True, ondelete="cascade", index=True)
    line = fields.Integer(string="Line of the file")
    number = fields.Char(string="Certificate number")
    reason = fields.Char(required=True)
