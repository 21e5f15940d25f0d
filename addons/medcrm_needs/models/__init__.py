from . import medcrm_analogue_group, medcrm_manufacturer, product_template
