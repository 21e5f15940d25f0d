"""The input guard of every model MedCRM owns or extends: values are checked before the database sees them.

Whatever the door (web client, XML-RPC/JSON-RPC, import, public forms), ``create`` and ``write`` of these
models refuse with a clear message (in the user's language):

- texts longer than a person ever types: ``Char`` fields at most ``size`` characters when the field declares
  one, else ``CHAR_LIMIT`` characters (and, when indexed or the record's name, ``CHAR_BYTES_LIMIT`` bytes
  in UTF-8, which keeps PostgreSQL's index rows small enough); ``Text`` at most ``TEXT_LIMIT``, ``Html`` at
  most ``HTML_LIMIT`` characters. A model adjusts a field with ``_medcrm_text_limits = {"field": limit}``
  (``0``: no limit);
- dates and datetimes that are not real dates («2026-13-45») or fall outside ``YEAR_RANGE``;
- integers outside PostgreSQL's ``integer``.

On the wizards (transient models) of MedCRM, every record given by id (many2one, many2many, one2many links)
must be readable by the calling user: a wizard that later works with ``sudo()`` never receives a record of
someone else.

A model opts out with ``_medcrm_input_guard = False`` (e.g. technical logs written by the system).
"""

import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError

CHAR_LIMIT = 500
CHAR_BYTES_LIMIT = 1200
TEXT_LIMIT = 100_000
HTML_LIMIT = 200_000
YEAR_RANGE = (1900, 2999)
INT_RANGE = (-(2**31), 2**31 - 1)
MEDCRM_MODULE_PREFIX = "odoo.addons.medcrm_"
# Wizards of other addons that MedCRM extends but whose ids are the framework's business (admin settings).
UNGUARDED_TRANSIENT = {"res.config.settings"}


def is_medcrm_class(cls):
    """A class of a MedCRM addon (this extension of every model excepted)."""
    return cls.__module__.startswith(MEDCRM_MODULE_PREFIX) and cls.__module__ != __name__


class Base(models.AbstractModel):
    _inherit = "base"

    # ------------------------------------------------------------
    # WHICH MODELS
    # ------------------------------------------------------------

    @api.model
    def _medcrm_guarded(self):
        """True for a model defined or extended by a MedCRM addon (cached on the registry's class)."""
        cls = type(self)
        flag = cls.__dict__.get("_medcrm_guard_flag")
        if flag is None:
            flag = getattr(cls, "_medcrm_input_guard", True) and any(is_medcrm_class(c) for c in cls.__mro__)
            cls._medcrm_guard_flag = bool(flag)
        return flag

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self._medcrm_guarded():
            if self._medcrm_checks_linked_records():
                # the defaults too (``default_lead_id`` in the context is a door as well)
                vals_list = [self._add_missing_default_values(vals) for vals in vals_list]
            for vals in vals_list:
                self._medcrm_check_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        if self._medcrm_guarded():
            self._medcrm_check_vals(vals)
        return super().write(vals)

    # ------------------------------------------------------------
    # CHECKS
    # ------------------------------------------------------------

    @api.model
    def _medcrm_text_limit(self, field):
        limits = getattr(type(self), "_medcrm_text_limits", None) or {}
        if field.name in limits:
            return limits[field.name]
        if field.type == "char":
            # A size declared by MedCRM is refused with a message; one declared by Odoo (a journal's 5-letter code)
            # stays Odoo's business: it truncates, and its own data (a chart of accounts) relies on that.
            size = getattr(field, "size", None) if (getattr(field, "_module", "") or "").startswith("medcrm_") else None
            return size or CHAR_LIMIT
        return HTML_LIMIT if field.type == "html" else TEXT_LIMIT

    @api.model
    def _medcrm_check_vals(self, vals):
        """Refuse values no person types, before the ORM and PostgreSQL see them (ValidationError)."""
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None or value is None or value is False:
                continue
            if field.type in ("char", "text", "html"):
                self._medcrm_check_text(field, value)
            elif field.type in ("date", "datetime"):
                self._medcrm_check_date(field, value)
            elif field.type == "integer":
                self._medcrm_check_integer(field, value)
        if self._medcrm_checks_linked_records():
            self._medcrm_check_linked_records(vals)

    @api.model
    def _medcrm_checks_linked_records(self):
        return self._transient and self._name not in UNGUARDED_TRANSIENT and not self.env.su

    def _medcrm_field_label(self, field):
        return field._description_string(self.env)

    def _medcrm_check_text(self, field, value):
        if isinstance(value, dict) and field.translate:
            for text in value.values():
                self._medcrm_check_text(field, text)
            return
        if not isinstance(value, str):
            return  # the ORM refuses or converts other types itself
        limit = self._medcrm_text_limit(field)
        if not limit:
            return
        too_long = len(value) > limit
        indexed = field.type == "char" and (field.index or field.name == self._rec_name)
        if indexed and not too_long and len(value) > CHAR_BYTES_LIMIT // 4:
            # a btree index row holds ~2,700 bytes: a name, and the "Company, Contact" built from two of them
            too_long = len(value.encode("utf-8", "surrogatepass")) > CHAR_BYTES_LIMIT
        if too_long:
            raise ValidationError(
                self.env._(
                    "The field «%(field)s» is too long: at most %(limit)s characters (%(length)s given).",
                    field=self._medcrm_field_label(field),
                    limit=limit,
                    length=len(value),
                )
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValidationError(
                self.env._(
                    "The field «%(field)s» contains characters that are not valid text.",
                    field=self._medcrm_field_label(field),
                )
            ) from error

    def _medcrm_check_date(self, field, value):
        try:
            if isinstance(value, str):
                parsed = fields.Date.to_date(value) if field.type == "date" else fields.Datetime.to_datetime(value)
            elif isinstance(value, datetime.date):
                parsed = value
            else:
                raise ValueError(value)
        except (ValueError, TypeError, OverflowError) as error:
            raise ValidationError(self._medcrm_date_error(field, value)) from error
        if not YEAR_RANGE[0] <= parsed.year <= YEAR_RANGE[1]:
            raise ValidationError(self._medcrm_date_error(field, value))

    def _medcrm_date_error(self, field, value):
        return self.env._(
            "The field «%(field)s» has a wrong date «%(value)s»: expected a real date between the years "
            "%(first)s and %(last)s, as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.",
            field=self._medcrm_field_label(field),
            value=str(value)[:40],
            first=YEAR_RANGE[0],
            last=YEAR_RANGE[1],
        )

    def _medcrm_check_integer(self, field, value):
        if isinstance(value, bool):
            return
        try:
            number = int(value)
        except (ValueError, TypeError) as error:
            raise ValidationError(
                self.env._(
                    "The field «%(field)s» expects a whole number, not «%(value)s».",
                    field=self._medcrm_field_label(field),
                    value=str(value)[:40],
                )
            ) from error
        if not INT_RANGE[0] <= number <= INT_RANGE[1]:
            raise ValidationError(
                self.env._(
                    "The field «%(field)s» expects a whole number between %(low)s and %(high)s.",
                    field=self._medcrm_field_label(field),
                    low=INT_RANGE[0],
                    high=INT_RANGE[1],
                )
            )

    def _medcrm_check_linked_records(self, vals):
        """A wizard receives only records its user may read (it may work on them with ``sudo()`` later)."""
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None or field.type not in ("many2one", "many2many", "one2many") or not value:
                continue
            ids = self._medcrm_linked_ids(field, value)
            if not ids:
                continue
            records = self.env[field.comodel_name].browse(ids)
            if field.comodel_name == "ir.attachment":
                records.check("read")
            else:
                records.check_access("read")

    @api.model
    def _medcrm_linked_ids(self, field, value):
        if field.type == "many2one":
            return [value] if isinstance(value, int) else [value.id] if isinstance(value, models.BaseModel) else []
        if isinstance(value, models.BaseModel):
            return value.ids
        ids = []
        for command in value:
            if isinstance(command, int):
                ids.append(command)
            elif isinstance(command, (list, tuple)) and command:
                if command[0] == fields.Command.LINK and len(command) > 1:
                    ids.append(command[1])
                elif command[0] == fields.Command.SET and len(command) > 2:
                    ids.extend(command[2] or [])
        return [record_id for record_id in ids if isinstance(record_id, int)]
