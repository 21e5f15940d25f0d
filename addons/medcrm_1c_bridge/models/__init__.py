from . import (
    medcrm_1c_connection,
    medcrm_1c_connection_orders,
    medcrm_1c_field_mapping,
    medcrm_1c_sync_log,
    medcrm_analogue_group,
    medcrm_manufacturer,
    medcrm_need_line,
    product_category,
    product_template,
    res_partner,
    sale_order,
    uom_uom,
)
