from . import (
    test_counterparty_duplicates,
    test_counterparty_wizard,
    test_demo_data,
    test_handover,
    test_intake_http,
    test_intake_import,
    test_intake_mail,
    test_lead_source,
    test_qualification,
    test_register_call,
    test_round_robin,
    test_round_robin_concurrency,
)
