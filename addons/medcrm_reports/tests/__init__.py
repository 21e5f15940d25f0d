from . import test_report_channel
from . import test_report_manager
