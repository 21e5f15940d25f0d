from odoo.tests import TransactionCase, new_test_user


class MedcrmCase(TransactionCase):
    """Base of MedCRM tests: a sales head and two managers, all working in Russian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.user_head = cls._new_user("test_head", "Голованов Пётр", "medcrm_needs.group_medcrm_head")
        cls.user_manager = cls._new_user("test_manager_1", "Менеджерова Анна", "medcrm_needs.group_medcrm_manager")
        cls.user_manager_2 = cls._new_user("test_manager_2", "Продажин Олег", "medcrm_needs.group_medcrm_manager")

    @classmethod
    def _new_user(cls, login, name, groups):
        return new_test_user(
            cls.env,
            login=login,
            name=name,
            email=f"{login}@medcrm.test",
            groups=f"base.group_user,{groups}",
            lang="ru_RU",
            tz="Europe/Moscow",
        )
