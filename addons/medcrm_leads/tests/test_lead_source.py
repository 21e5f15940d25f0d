from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import LeadsCase


@tagged("post_install", "-at_install")
class TestLeadSource(LeadsCase):
    """The source (channel) is mandatory on every lead, whatever the door; the error is clear, in Russian."""

    def test_create_without_source_is_refused_and_creates_nothing(self):
        Lead = self.env["crm.lead"].with_user(self.user_manager).with_context(lang="ru_RU")
        count = Lead.search_count([])
        turn = self.team.medcrm_rotation_turn
        with self.assertRaisesMessage(ValidationError, "Источник .*обязателен.*Без источника"):
            Lead.create({"name": "Без канала", "team_id": self.team.id, "user_id": False})
        self.assertEqual(Lead.search_count([]), count)
        self.assertEqual(self.team.medcrm_rotation_turn, turn, "no turn of the queue is served for a refused lead")

    def test_batch_with_one_lead_without_source_creates_none(self):
        Lead = self.env["crm.lead"].with_context(lang="ru_RU")
        count = Lead.search_count([])
        with self.assertRaisesMessage(ValidationError, "Посетитель 2"):
            Lead.create(
                [
                    self._incoming_lead_values("Посетитель 1"),
                    {"name": "Посетитель 2", "team_id": self.team.id},
                ]
            )
        self.assertEqual(Lead.search_count([]), count)

    def test_source_cannot_be_removed(self):
        lead = self.env["crm.lead"].create(self._incoming_lead_values())
        with self.assertRaisesMessage(ValidationError, "обязателен"):
            lead.with_context(lang="ru_RU").source_id = False
        self.assertEqual(lead.source_id, self.source_email)

    def test_default_source_from_context_is_enough(self):
        lead = (
            self.env["crm.lead"].with_context(default_source_id=self.source_exhibition.id).create({"name": "Визитка"})
        )
        self.assertEqual(lead.source_id, self.source_exhibition)

    def test_form_requires_the_source(self):
        form = Form(self.env["crm.lead"].with_user(self.user_manager))
        form.name = "Звонок без источника"
        with self.assertRaises(AssertionError):  # the form itself says the field is required
            form.save()
        form.source_id = self.source_call
        lead = form.save()
        self.assertEqual(lead.source_id, self.source_call)

    def test_a_channel_in_use_cannot_be_deleted(self):
        channel = self.env["utm.source"].create({"name": "Партнёрская программа"})
        self.env["crm.lead"].create(self._incoming_lead_values(source_id=channel.id))
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            channel.unlink()

    def test_channels_are_configurable_data(self):
        channel = self.env["utm.source"].create({"name": "Тендерная площадка"})
        lead = self.env["crm.lead"].create(self._incoming_lead_values(source_id=channel.id))
        self.assertEqual(lead.source_id, channel)
