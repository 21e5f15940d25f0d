from . import (
    test_counterparty_sync,
    test_faults,
    test_hostile_payloads,
    test_incremental_sync,
    test_orders,
    test_product_sync,
    test_security,
    test_soap_transport,
)
