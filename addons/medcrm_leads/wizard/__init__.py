from . import (
    crm_lead_lost,
    medcrm_buyer_documents_wizard,
    medcrm_counterparty_wizard,
    medcrm_lead_call_wizard,
    medcrm_lead_handover_wizard,
    medcrm_lead_import_wizard,
)
