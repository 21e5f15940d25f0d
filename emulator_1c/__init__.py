"""MedCRM 1C:Enterprise 8 emulator.

A standalone HTTP server that behaves like a published 1C information base (OData v3 standard
interface, CommerceML 2 files, a SOAP web service and an HTTP service), so that the Odoo bridge can be
tested against something that looks like the real thing instead of mocks.
"""

__version__ = "1.0.0"
