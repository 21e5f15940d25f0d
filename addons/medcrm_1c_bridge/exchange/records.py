"""Plain records the transports produce, whatever the wire format, and the checks they pass."""

import datetime
import re

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
EMPTY_REF = "00000000-0000-0000-0000-000000000000"

# Keys of a product record (what the field mapping can fill).
PRODUCT_KEYS = (
    "code",
    "article",
    "name",
    "full_name",
    "unit",
    "manufacturer",
    "own_production",
    "registry_code",
    "registry_date",
    "registry_valid_until",
    "analogue_group",
)
PARTNER_KEYS = ("name", "full_name", "inn", "kpp", "comment")


def is_guid(value):
    return isinstance(value, str) and bool(GUID_RE.match(value))


def ref(value):
    """A reference attribute: the lower-case GUID, or None for 1C's empty reference."""
    if value in (None, "", EMPTY_REF):
        return None
    if not is_guid(value):
        raise ValueError(f"not a GUID: {value!r}")
    return value.lower()


def date(value):
    """1C dates: '2024-05-01T00:00:00' or '2024-05-01'; '0001-01-01…' is 1C's empty date."""
    if value in (None, "", False) or str(value).startswith("0001-01-01"):
        return None
    if isinstance(value, datetime.date):
        return value if not isinstance(value, datetime.datetime) else value.date()
    return datetime.date.fromisoformat(str(value)[:10])


def boolean(value):
    if isinstance(value, bool):
        return value
    if value in (None, ""):
        return None
    return str(value).strip().lower() in ("true", "да", "1", "истина")


def text(value):
    return "" if value is None else str(value).strip()
