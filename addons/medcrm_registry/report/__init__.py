from . import medcrm_registry_problem
