"""Talking to 1C:Enterprise, without Odoo: HTTP with retries, the OData client, CommerceML files, SOAP.

Everything here returns plain Python records (dicts with the keys of :mod:`.records`), so the Odoo
models only map them to fields, and each transport can be tested against the emulator on its own.
"""

from .errors import ExchangeError, PayloadError
from .transport import make_transport
