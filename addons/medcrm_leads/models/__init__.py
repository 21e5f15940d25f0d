from . import (
    chatbot_script_step,
    crm_lead,
    crm_team,
    crm_team_member,
    discuss_channel,
    medcrm_lead_handover,
    res_config_settings,
    res_partner,
)
