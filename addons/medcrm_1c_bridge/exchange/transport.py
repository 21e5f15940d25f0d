"""The interface every transport offers to the Odoo side, and the factory choosing one per connection."""

from .errors import ExchangeError


class Transport:
    """Base of the three transports; a method a transport cannot offer raises ``not_supported``."""

    name = "base"

    def __init__(self, settings, http):
        self.settings = settings  # a dict built by medcrm.1c.connection._medcrm_1c_settings()
        self.http = http

    def _unsupported(self, what):
        raise ExchangeError("not_supported", transport=self.name, what=what)

    # --- products (1C -> CRM) ---------------------------------------------------------------------------
    def reference_data(self):
        """{'units': {guid: {...}}, 'manufacturers': {guid: {...}}, 'analogue_groups': {guid: name}}."""
        self._unsupported("read reference catalogs")

    def product_groups(self):
        """Folders of the product catalog: [{'guid', 'parent', 'name', 'deleted'}]."""
        self._unsupported("read product groups")

    def iter_products(self, keys=None):
        """Yield pages (lists) of product records; all products, or those with the given GUIDs."""
        self._unsupported("read products")

    def product_versions(self):
        """{guid: DataVersion} of every product (items, not folders)."""
        self._unsupported("read product versions")

    def prices(self, keys=None):
        """{product guid: price of the configured price type}."""
        self._unsupported("read prices")

    def stock(self, keys=None):
        """{product guid: balance summed over warehouses}."""
        self._unsupported("read stock balances")

    def changes(self, since, types):
        """Objects changed after the counter ``since``: ([{'type', 'guid', 'deleted', ...}], next counter)."""
        self._unsupported("read the change feed")

    # --- counterparties (both ways) ----------------------------------------------------------------------
    def iter_counterparties(self, keys=None):
        self._unsupported("read counterparties")

    def create_counterparty(self, values):
        """Create (or find by INN/KPP) a counterparty in 1C; return its GUID."""
        self._unsupported("create counterparties")

    # --- customer orders (CRM -> 1C) and their status (1C -> CRM) ------------------------------------------
    def push_order(self, values):
        """Create the customer order ``values`` in 1C (see ``sale.order._medcrm_1c_order_values``), or find the one
        1C already made with that reference; return {'guid', 'number', 'created'}."""
        self._unsupported("send customer orders")

    def order_statuses(self, refs):
        """{order GUID: {'paid', 'paid_date', 'shipped', 'shipped_date', 'state', 'status'} or {'error': ...}}."""
        self._unsupported("read the status of customer orders")

    def close(self):
        self.http.close()


def make_transport(settings):
    from .commerceml import CommerceMLTransport
    from .http import HttpClient
    from .odata import ODataTransport
    from .soap import SoapTransport

    http = HttpClient(
        # 1C users are often Cyrillic ("Администратор"): 1C reads Basic credentials as UTF-8, requests would
        # send str as Latin-1 (and fail on Cyrillic), so they go as UTF-8 bytes.
        auth=(settings["username"].encode(), settings["password"].encode()) if settings.get("username") else None,
        timeout=settings.get("timeout", 30),
        retries=settings.get("retries", 3),
        backoff=settings.get("backoff", 0.5),
        max_bytes=settings.get("max_bytes", 256 << 20),
    )
    cls = {"odata": ODataTransport, "commerceml": CommerceMLTransport, "soap": SoapTransport}[settings["transport"]]
    return cls(settings, http)
