from . import (
    account_move,
    crm_lead,
    medcrm_analogue_group,
    medcrm_manufacturer,
    medcrm_need,
    medcrm_need_duplicate,
    medcrm_need_duplicate_check,
    medcrm_need_line,
    product_product,
    product_template,
    res_config_settings,
    sale_order,
)
