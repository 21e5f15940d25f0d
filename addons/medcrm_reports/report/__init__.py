from . import medcrm_report_mixin
from . import medcrm_report_channel
from . import medcrm_report_manager
from . import medcrm_report_need
from . import medcrm_report_loss
from . import medcrm_report_stage
from . import medcrm_report_deal
