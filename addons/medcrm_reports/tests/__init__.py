from . import test_report_channel
from . import test_report_manager
from . import test_report_stage
from . import test_motivation
from . import test_report_need
