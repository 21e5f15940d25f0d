from odoo.exceptions import UserError

from .common import MedcrmNeedCase


class TestNeedServerAction(MedcrmNeedCase):
    """«Проверить на дубли» on the list or the form, and the wizard that closes a need as a duplicate."""

    def _run_server_action(self, xmlid, needs, user):
        action = self.env.ref(xmlid).with_user(user)
        return action.with_context(
            active_model="medcrm.need", active_ids=needs.ids, active_id=needs[:1].id, lang="ru_RU"
        ).run()

    def test_bound_to_needs(self):
        for xmlid in (
            "medcrm_needs.action_server_medcrm_need_check_duplicates",
            "medcrm_needs.action_server_medcrm_need_mark_duplicate",
        ):
            action = self.env.ref(xmlid)
            self.assertEqual(action.binding_model_id.model, "medcrm.need")
            self.assertIn("list", action.binding_view_types)
            self.assertIn("form", action.binding_view_types)
        self.assertEqual(
            self.env.ref("medcrm_needs.action_server_medcrm_need_check_duplicates").with_context(lang="ru_RU").name,
            "Проверить на дубли",
        )

    def test_check_several_needs_from_the_list(self):
        self._need(self.user_manager_2, self.dealer, self.products[:3])
        with_dup = self._need(self.user_manager, self.hospital, self.products[:3])
        alone = self._need(self.user_manager, self.clinic, self.products[6:9])
        result = self._run_server_action(
            "medcrm_needs.action_server_medcrm_need_check_duplicates", with_dup | alone, self.user_manager
        )
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn(with_dup.name, result["params"]["message"])
        self.assertNotIn(alone.name, result["params"]["message"])

    def test_no_duplicate(self):
        alone = self._need(self.user_manager, self.clinic, self.products[6:9])
        result = self._run_server_action(
            "medcrm_needs.action_server_medcrm_need_check_duplicates", alone, self.user_manager
        )
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(result["params"]["message"], "Дублей не найдено.")

    def test_check_one_need_opens_the_wizard_and_closes_it_as_duplicate(self):
        original = self._need(self.user_manager_2, self.dealer, self.products[:3])
        need = self._need(self.user_manager, self.hospital, self.products[:3])
        result = self._run_server_action(
            "medcrm_needs.action_server_medcrm_need_check_duplicates", need, self.user_manager
        )
        self.assertEqual(result["res_model"], "medcrm.need.close.wizard")
        # the manager cannot open the other need, but the wizard takes it from the warning
        wizard = (
            self.env["medcrm.need.close.wizard"]
            .with_user(self.user_manager)
            .with_context(result["context"], lang="ru_RU")
            .create({})
        )
        self.assertEqual(wizard.warning_id.need_id, need)
        self.assertEqual(wizard.warning_id.display_name, f"{original.name} — {self.dealer.name} (100 %)")
        self.assertEqual(wizard.sudo().duplicate_of_need_id, original)
        with self.assertRaisesText(UserError, "Напишите комментарий"):
            wizard.action_close()
        wizard.comment = "Дилер работает на ту же больницу, ведёт Продажин"
        wizard.action_close()
        self.assertEqual(need.state, "duplicate")
        self.assertEqual(need.duplicate_of_need_id, original)
        self.assertEqual(need.close_comment, "Дилер работает на ту же больницу, ведёт Продажин")
        # the original's warning about this need is resolved
        self.assertFalse(original.duplicate_warning_ids)
        # a closed need is read-only, reopening brings it back
        with self.assertRaisesText(UserError, "закрыта"):
            need.with_user(self.user_manager).write({"description": "<p>ещё</p>"})
        need.with_user(self.user_manager).action_reopen()
        self.assertEqual(need.state, "open")
        self.assertTrue(need.duplicate_warning_ids)

    def test_mark_several_as_lost(self):
        needs = self._need(self.user_manager, self.hospital, self.products[:2]) | self._need(
            self.user_manager, self.clinic, self.products[5:7]
        )
        wizard = (
            self.env["medcrm.need.close.wizard"]
            .with_user(self.user_manager)
            .with_context(active_model="medcrm.need", active_ids=needs.ids, lang="ru_RU")
            .create({"close_as": "lost", "comment": "Бюджет не выделен"})
        )
        with self.assertRaisesText(UserError, "причину"):
            wizard.action_close()
        wizard.lost_reason_id = self.env.ref("medcrm_needs.lost_reason_need_irrelevant")
        wizard.action_close()
        self.assertEqual(set(needs.mapped("state")), {"lost"})
