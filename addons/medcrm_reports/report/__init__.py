from . import (
    medcrm_report_channel,
    medcrm_report_deal,
    medcrm_report_kpi,
    medcrm_report_loss,
    medcrm_report_manager,
    medcrm_report_mixin,
    medcrm_report_need,
    medcrm_report_stage,
)
