from . import medcrm_need_report
