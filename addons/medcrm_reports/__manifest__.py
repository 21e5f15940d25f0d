{
    "name": "MedCRM: Reports and motivation",
    "summary": "Sales head analytics (channels, funnel, managers, needs, losses) and the managers' bonus scheme",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "MedCRM",
    "website": "https://github.com/medcrm/medcrm",
    "license": "LGPL-3",
    "depends": ["medcrm_leads"],
    "data": [
        "security/ir.model.access.csv",
    ],
}
