{
    "name": "MedCRM: 1C bridge",
    "summary": "1C:Enterprise is the master of products and counterparties: OData, CommerceML and SOAP exchange",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "MedCRM",
    "website": "https://github.com/medcrm/medcrm",
    "license": "LGPL-3",
    "depends": ["medcrm_leads"],
    "external_dependencies": {"python": ["zeep", "requests", "lxml"]},
    "data": [
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/medcrm_1c_connection_views.xml",
        "views/medcrm_1c_sync_log_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/product_views.xml",
        "views/medcrm_1c_menus.xml",
    ],
    "demo": [
        "demo/medcrm_1c_connection_demo.xml",
    ],
}
