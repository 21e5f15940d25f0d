from odoo import Command

from .common import MedcrmNeedCase


class TestNeedNotifications(MedcrmNeedCase):
    """A match notifies the creator, the other record's owner and the sales heads, once per finding."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_head.notification_type = "inbox"
        cls.user_bystander = cls._new_user("test_manager_3", "Сторонний Иван", "medcrm_needs.group_medcrm_manager")

    def _duplicate_messages(self, need):
        return self.env["mail.message"].search(
            [("model", "=", "medcrm.need"), ("res_id", "=", need.id), ("subject", "!=", False)]
        )

    def test_recipients_and_content(self):
        dealer_need = self._need(self.user_manager_2, self.dealer, self.products[:4])
        need = self._need(self.user_manager, self.hospital, self.products[:4])
        message = self._duplicate_messages(need)
        self.assertEqual(len(message), 1)
        notified = message.notified_partner_ids
        for user in (self.user_manager, self.user_manager_2, self.user_head):
            self.assertIn(user.partner_id, notified, f"{user.name} must be notified")
        self.assertNotIn(self.user_bystander.partner_id, notified)
        # the other record is named in full: its owner may not be allowed to open this need, and vice versa
        for text in (need.name, dealer_need.name, self.dealer.name, self.user_manager_2.name, "100.0%"):
            self.assertIn(text, message.body)
        self.assertIn(self.products[0].name, message.body)
        self.assertIn(dealer_need.name, message.subject)
        # inbox for those who read Odoo, and an e-mail to everyone
        notifications = message.notification_ids
        head_notif = notifications.filtered(lambda n: n.res_partner_id == self.user_head.partner_id)
        self.assertEqual(head_notif.notification_type, "inbox")
        manager_notif = notifications.filtered(lambda n: n.res_partner_id == self.user_manager_2.partner_id)
        self.assertEqual(manager_notif.notification_type, "email")
        head_mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertIn(self.user_head.partner_id, head_mail.recipient_ids)
        # the message is readable by the other manager, who cannot open the need itself
        self.assertTrue(message.with_user(self.user_manager_2).read(["body"]))
        self.assertFalse(need.with_user(self.user_manager_2).has_access("read"))

    def test_resaving_without_changes_does_not_notify_again(self):
        self._need(self.user_manager_2, self.dealer, self.products[:4])
        need = self._need(self.user_manager, self.hospital, self.products[:4])
        self.assertEqual(len(self._duplicate_messages(need)), 1)
        as_manager = need.with_user(self.user_manager)
        as_manager.write({"description": "<p>Уточнили сроки</p>"})
        as_manager.write({"date_to": need.date_to})
        as_manager.line_ids[0].product_uom_qty = 5
        as_manager.action_check_duplicates()
        self.assertEqual(len(self._duplicate_messages(need)), 1)
        # the other manager saving his need does not re-notify either (same pair, same products)
        other = need.duplicate_warning_ids.other_need_id
        other.with_user(self.user_manager_2).write(
            {"date_to": other.date_to, "line_ids": [Command.update(other.line_ids[0].id, {"product_uom_qty": 3})]}
        )
        self.assertEqual(len(self._duplicate_messages(need)) + len(self._duplicate_messages(other)), 1)

    def test_changed_composition_notifies_again(self):
        self._need(self.user_manager_2, self.dealer, self.products[:5])
        need = self._need(self.user_manager, self.hospital, self.products[:5])
        self.assertEqual(need.duplicate_warning_ids.match_type, "identical")
        need.with_user(self.user_manager).write({"line_ids": [Command.create({"product_id": self.products[8].id})]})
        warning = need.duplicate_warning_ids
        self.assertEqual((warning.match_type, warning.overlap), ("similar", 83.3))
        self.assertEqual(len(self._duplicate_messages(need)), 2)

    def test_match_that_disappears_is_resolved(self):
        other = self._need(self.user_manager_2, self.dealer, self.products[:3])
        need = self._need(self.user_manager, self.hospital, self.products[:3])
        self.assertTrue(other.duplicate_warning_ids)
        need.with_user(self.user_manager).write(
            {"line_ids": [Command.unlink(need.line_ids[0].id), Command.create({"product_id": self.products[9].id})]}
        )
        self.assertFalse(need.duplicate_warning_ids)
        self.assertFalse(other.duplicate_warning_ids, "the mirror warning on the other need is resolved too")
        resolved = self.env["medcrm.need.duplicate"].with_context(active_test=False).search([("need_id", "=", need.id)])
        self.assertEqual(len(resolved), 1, "the history stays, archived")
