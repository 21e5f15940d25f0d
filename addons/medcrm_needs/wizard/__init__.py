from . import medcrm_need_close_wizard, medcrm_need_print_wizard
