from . import (
    test_install,
    test_need_access,
    test_need_concurrency,
    test_need_deal,
    test_need_duplicates,
    test_need_notifications,
    test_need_reports,
    test_need_server_action,
    test_need_validation,
)
