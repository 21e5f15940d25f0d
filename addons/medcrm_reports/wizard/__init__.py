from . import medcrm_motivation_plan_wizard
