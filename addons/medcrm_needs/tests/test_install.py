from .common import MedcrmCase


class TestInstall(MedcrmCase):
    """The addon installs with its roles, product fields and Russian demo data."""

    def test_roles_are_built_on_sales_team_groups(self):
        manager = self.env.ref("medcrm_needs.group_medcrm_manager")
        head = self.env.ref("medcrm_needs.group_medcrm_head")
        salesman = self.env.ref("sales_team.group_sale_salesman")
        all_leads = self.env.ref("sales_team.group_sale_salesman_all_leads")
        self.assertIn(salesman, manager.trans_implied_ids)
        self.assertNotIn(all_leads, manager.trans_implied_ids, "a manager must not see others' records")
        self.assertIn(manager, head.trans_implied_ids)
        self.assertIn(all_leads, head.trans_implied_ids)
        self.assertTrue(self.user_manager.has_group("sales_team.group_sale_salesman"))
        self.assertFalse(self.user_manager.has_group("sales_team.group_sale_salesman_all_leads"))
        self.assertTrue(self.user_head.has_group("sales_team.group_sale_salesman_all_leads"))

    def test_roles_read_in_russian(self):
        head = self.env.ref("medcrm_needs.group_medcrm_head").with_context(lang="ru_RU")
        manager = self.env.ref("medcrm_needs.group_medcrm_manager").with_context(lang="ru_RU")
        self.assertEqual(head.name, "Руководитель отдела продаж")
        self.assertEqual(manager.name, "Менеджер")

    def test_demo_users_work_in_russian(self):
        self.assertTrue(self.env["res.lang"]._lang_get("ru_RU").active)
        head = self.env.ref("medcrm_needs.user_head_smirnov")
        managers = (
            self.env.ref("medcrm_needs.user_manager_ivanova")
            | self.env.ref("medcrm_needs.user_manager_petrov")
            | self.env.ref("medcrm_needs.user_manager_kuznetsova")
        )
        self.assertTrue(head.has_group("medcrm_needs.group_medcrm_head"))
        for user in head | managers:
            self.assertEqual(user.lang, "ru_RU")
            self.assertRegex(user.name, r"^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+")
        for user in managers:
            self.assertTrue(user.has_group("medcrm_needs.group_medcrm_manager"))
            self.assertFalse(user.has_group("medcrm_needs.group_medcrm_head"))

    def test_demo_catalogue_carries_registry_codes(self):
        products = self.env["product.template"].search([("medcrm_registry_code", "!=", False)])
        self.assertGreaterEqual(len(products), 10)
        for product in products:
            self.assertRegex(product.medcrm_registry_code, r"^(РЗН|ФСЗ) \d{4}/\d{4,5}$")
            self.assertTrue(product.medcrm_manufacturer_id)
        own = products.filtered("medcrm_own_production")
        self.assertTrue(own and own != products, "the demo must mix own production and resold goods")
        analogues = self.env.ref("medcrm_needs.analogue_syringe_5ml").product_tmpl_ids
        self.assertEqual(len(analogues.medcrm_manufacturer_id), 2, "analogues come from different makers")

    def test_registry_certificate_expiry(self):
        plaster = self.env.ref("medcrm_needs.product_plaster_roll")
        syringe = self.env.ref("medcrm_needs.product_syringe_5ml_own")
        self.assertTrue(plaster.medcrm_registry_expired)
        self.assertFalse(syringe.medcrm_registry_expired, "a certificate without end date never expires")
