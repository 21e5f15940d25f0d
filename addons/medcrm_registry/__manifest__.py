{
    "name": "MedCRM: Registration certificates",
    "summary": "State register of medical devices (РУ): import from Roszdravnadzor, check of every product, "
    "no КП or order with an expired or unknown certificate without the sales head's override",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "MedCRM",
    "website": "https://github.com/medcrm/medcrm",
    "license": "LGPL-3",
    "depends": ["medcrm_needs", "medcrm_1c_bridge"],
    "data": [
        "security/ir.model.access.csv",
        "data/medcrm_registry_data.xml",
        "views/medcrm_registry_certificate_views.xml",
        "views/medcrm_registry_import_views.xml",
        "views/product_views.xml",
        "views/medcrm_need_views.xml",
        "views/sale_order_views.xml",
        "wizard/medcrm_registry_import_wizard_views.xml",
        "wizard/medcrm_registry_override_wizard_views.xml",
        "report/medcrm_registry_problem_views.xml",
        "views/medcrm_registry_menus.xml",
    ],
}
