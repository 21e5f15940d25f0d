from . import (
    medcrm_1c_connection,
    medcrm_need_line,
    medcrm_registry_certificate,
    medcrm_registry_import,
    medcrm_registry_override,
    product_template,
    sale_order,
)
