{
    "name": "MedCRM: Needs",
    "summary": "Need repository (Потребности) with duplicate detection; MedCRM roles and product fields",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "MedCRM",
    "website": "https://github.com/medcrm/medcrm",
    "license": "LGPL-3",
    "depends": ["crm", "sale_management", "sale_crm", "stock"],
    "data": [
        "security/medcrm_security.xml",
        "security/ir.model.access.csv",
        "views/product_views.xml",
    ],
    "demo": [
        "demo/medcrm_users_demo.xml",
        "demo/product_demo.xml",
    ],
}
