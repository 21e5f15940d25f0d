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
    ],
}
