"""Small helpers shared by the emulator: 1C-looking GUIDs, DataVersion, dates and Russian tax ids."""

from __future__ import annotations

import base64
import datetime as dt
import random
import re

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
EMPTY_DATE = "0001-01-01T00:00:00"
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# Real 1C servers usually run in VMware: their reference UUIDs are time-based (version 1) and carry the
# node of the VM's NIC (00:50:56:...).  Seeded references look the same, so a bridge that (wrongly) parses
# or validates them meets the shapes it will meet in production.
_NODE = "0050569f62a1"


def new_guid(rng: random.Random) -> str:
    """A deterministic, 1C-looking reference: xxxxxxxx-xxxx-11eX-xxxx-0050569f62a1."""
    bits = rng.getrandbits(68)
    time_low = bits & 0xFFFFFFFF
    time_mid = (bits >> 32) & 0xFFFF
    hi_nibble = (bits >> 48) & 0xF
    clock = 0x8000 | ((bits >> 52) & 0x3FFF)
    return f"{time_low:08x}-{time_mid:04x}-11e{hi_nibble:x}-{clock:04x}-{_NODE}"


def is_guid(value: object) -> bool:
    return isinstance(value, str) and bool(GUID_RE.match(value))


def data_version(seq: int) -> str:
    """1C's DataVersion is an opaque base64 of 8 bytes; we put the global modification counter there."""
    return base64.b64encode(seq.to_bytes(8, "big")).decode("ascii")


def fmt_date(value: dt.date | dt.datetime) -> str:
    """1C writes dates without a time zone: 2024-05-01T10:15:36."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return dt.datetime(value.year, value.month, value.day).isoformat()


def now_str() -> str:
    return fmt_date(dt.datetime.now())


def parse_date(value: str) -> dt.datetime:
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1]
    parsed = dt.datetime.fromisoformat(value)
    return parsed.replace(tzinfo=None)


# --- Russian tax identifiers -------------------------------------------------------------------------

_INN10_W = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_W1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_W2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn_is_valid(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return _check(inn[:9], _INN10_W) == inn[9]
    if len(inn) == 12:
        return _check(inn[:10], _INN12_W1) == inn[10] and _check(inn[:11], _INN12_W2) == inn[11]
    return False


def make_inn(rng: random.Random, region: str, individual: bool = False) -> str:
    """A checksum-valid INN in the given region (first two digits) with a plausible tax office number."""
    office = f"{rng.randint(1, 51):02d}"
    if individual:
        body = region + office + f"{rng.randint(0, 999999):06d}"
        body += _check(body, _INN12_W1)
        return body + _check(body, _INN12_W2)
    body = region + office + f"{rng.randint(0, 99999):05d}"
    return body + _check(body, _INN10_W)


def make_kpp(inn: str, reason: str = "01") -> str:
    """KPP = tax office of registration (first four INN digits) + reason code + sequence."""
    return inn[:4] + reason + "001"


def make_ogrn(rng: random.Random, region: str) -> str:
    body = "1" + f"{rng.randint(2, 23):02d}" + region + f"{rng.randint(0, 9999999):07d}"
    return body + str(int(body) % 11 % 10)
