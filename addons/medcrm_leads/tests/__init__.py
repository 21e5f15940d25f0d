from . import (
    test_counterparty_duplicates,
    test_counterparty_wizard,
    test_demo_data,
    test_handover,
    test_lead_source,
    test_qualification,
    test_round_robin,
)
