from . import crm_lead, ir_actions, medcrm_bonus_scheme, medcrm_lead_handover, medcrm_motivation_plan, utm_campaign
