from odoo.tests import Form, tagged

from .common import LeadsCase


@tagged("post_install", "-at_install")
class TestRegisterCall(LeadsCase):
    """A manager on the phone registers the call in a few fields; the lead goes to the queue or to him."""

    def _register(self, user, **values):
        call_form = Form(self.env["medcrm.lead.call.wizard"].with_user(user).with_context(lang="ru_RU"))
        call_form.contact_name = "Захаров Михаил"
        call_form.phone = "+7 903 111-22-33"
        call_form.partner_name = "Поликлиника № 2"
        call_form.product_ids.add(self.product_mask)
        call_form.comment = "10 000 масок до конца месяца"
        for name, value in values.items():
            setattr(call_form, name, value)
        return call_form.save().action_register()

    def _last_call_lead(self):
        return self.env["crm.lead"].search([("contact_name", "=", "Захаров Михаил")], order="id desc", limit=1)

    def test_inbound_call_goes_to_the_queue(self):
        self.member_1.assignment_optout = True  # the manager who took the call is not next in line anyway
        result = self._register(self.user_manager)
        lead = self._last_call_lead()
        self.assertEqual(lead.source_id, self.source_call, "default channel: inbound call")
        self.assertEqual(lead.medium_id, self.env.ref("utm.utm_medium_phone"))
        self.assertEqual(lead.medcrm_product_ids, self.product_mask)
        self.assertEqual(lead.name, "Звонок: Маска медицинская трёхслойная")
        self.assertIn("10 000 масок", lead.description)
        self.assertEqual(lead.user_id, self.user_manager_2)
        self.assertEqual(lead.create_uid, self.user_manager, "registered by him")
        self.assertEqual(lead.medcrm_handover_ids.author_id, self.user_manager)
        self.assertEqual(result["tag"], "display_notification", "he is told who got it")

    def test_manager_takes_the_call_himself(self):
        result = self._register(self.user_manager_3, take_it=True, source_id=self.source_callback)
        lead = self.env["crm.lead"].browse(result["res_id"])
        self.assertEqual(lead.user_id, self.user_manager_3)
        self.assertEqual(lead.source_id, self.source_callback)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(self.team.medcrm_rotation_turn, 0, "no turn of the queue used")
