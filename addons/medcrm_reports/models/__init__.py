from . import crm_lead
from . import medcrm_lead_handover
from . import utm_campaign
from . import medcrm_bonus_scheme
from . import medcrm_motivation_plan
