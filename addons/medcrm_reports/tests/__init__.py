from . import (
    test_motivation,
    test_report_channel,
    test_report_manager,
    test_report_need,
    test_report_stage,
    test_statement_download,
)
