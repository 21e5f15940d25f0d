from odoo.addons.medcrm_leads.tools import counterparty
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from .common import ErrorMessageMixin

INN_ROMASHKA = "7703123457"
INN_VEKTOR = "5027123457"
INN_IP = "770712345633"  # an individual entrepreneur: 12 digits, no KPP


@tagged("post_install", "-at_install")
class TestCounterpartyKeys(TransactionCase):
    """What people type becomes comparable: INN, name, phone, e-mail domain."""

    def test_inn_written_in_other_ways(self):
        for typed in (
            "7703123457",
            " 7703 123 457 ",
            "ИНН 7703123457",
            "ИНН: 7703-123-457",
            "inn 7703123457",
            "RU7703123457",
        ):
            self.assertEqual(counterparty.clean_inn(typed), INN_ROMASHKA, typed)
        self.assertEqual(counterparty.clean_inn("BE 0477.472.701"), "BE 0477.472.701", "a foreign VAT stays as it is")

    def test_name_without_case_quotes_and_legal_form(self):
        expected = "ромашка мед"
        for typed in (
            "ООО «Ромашка-Мед»",
            'ооо "РОМАШКА-МЕД"',
            "Общество с ограниченной ответственностью “Ромашка Мед”",
            "Ромашка-Мед, ООО",
            "ЗАО 'Ромашка-мёд'".replace("мёд", "мед"),
        ):
            self.assertEqual(counterparty.name_key(typed), expected, typed)
        self.assertEqual(counterparty.name_key("ГБУЗ «ГКБ № 15 ДЗМ»"), "гкб 15 дзм")
        self.assertEqual(counterparty.name_key("ООО"), "")

    def test_phone_and_mail_domain(self):
        self.assertEqual(counterparty.phone_key("+7 (495) 123-45-67"), "4951234567")
        self.assertEqual(counterparty.phone_key("8 495 123 45 67 доб. 12"), "4951234567")
        self.assertEqual(counterparty.phone_key("123"), "")
        self.assertEqual(counterparty.email_domain("Закупки <zakupki@Romashka-Med.example>"), "romashka-med.example")
        for public in ("ivan@mail.ru", "ivan@yandex.ru", "ivan@gmail.com", "ivan@bk.ru"):
            self.assertEqual(counterparty.email_domain(public), "", public)


@tagged("post_install", "-at_install")
class TestCounterpartyDuplicates(ErrorMessageMixin, TransactionCase):
    """One public helper finds the existing counterparty; the 1C bridge uses it too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.Partner = cls.env["res.partner"].with_context(lang="ru_RU")
        cls.ru = cls.env.ref("base.ru")
        cls.romashka = cls.Partner.create(
            {
                "name": "ООО «Ромашка-Мед»",
                "is_company": True,
                "country_id": cls.ru.id,
                "vat": INN_ROMASHKA,
                "medcrm_kpp": "770301001",
                "email": "info@romashka-med.example",
                "phone": "+7 495 123-45-67",
            }
        )
        cls.romashka_contact = cls.Partner.create(
            {"name": "Лютикова Анна", "parent_id": cls.romashka.id, "phone": "+7 916 000-11-22", "email": "a@mail.ru"}
        )
        cls.ip = cls.Partner.create(
            {"name": "ИП Сидоров Пётр Ильич", "is_company": True, "country_id": cls.ru.id, "vat": INN_IP}
        )

    def _find(self, **vals):
        return self.Partner._medcrm_find_counterparty_duplicates(vals)

    def test_same_inn_in_another_format_and_same_kpp(self):
        [match] = self._find(vat="ИНН 7703 123 457", medcrm_kpp="770301001", name="Совсем другое название")
        self.assertEqual(match["partner"], self.romashka)
        self.assertEqual(match["reason"], "inn_kpp")
        self.assertTrue(match["blocking"])
        self.assertIn("ИНН 7703123457", match["message"])
        self.assertIn("КПП 770301001", match["message"])

    def test_same_inn_of_an_entrepreneur_without_kpp(self):
        [match] = self._find(vat=f" {INN_IP} ")
        self.assertEqual((match["partner"], match["reason"], match["blocking"]), (self.ip, "inn", True))

    def test_same_inn_with_another_kpp_is_a_branch_not_blocking(self):
        [match] = self._find(vat=INN_ROMASHKA, medcrm_kpp="770401001")
        self.assertEqual(
            (match["partner"], match["reason"], match["blocking"]), (self.romashka, "inn_other_kpp", False)
        )
        self.assertIn("филиал", match["message"])

    def test_same_name_with_other_case_quotes_and_legal_form(self):
        for name in ('ооо "РОМАШКА-МЕД"', "Ромашка Мед", "Общество с ограниченной ответственностью «Ромашка-Мед»"):
            [match] = self._find(name=name)
            self.assertEqual((match["partner"], match["reason"]), (self.romashka, "name"), name)
            self.assertIn("то же название", match["message"])

    def test_mail_domain_but_not_public_mail(self):
        [match] = self._find(email="zakupki@romashka-med.example")
        self.assertEqual((match["partner"], match["reason"]), (self.romashka, "email_domain"))
        self.assertFalse(self._find(email="a@mail.ru"), "a contact's mail.ru address says nothing about the company")

    def test_phone_of_the_company_or_of_a_contact(self):
        [match] = self._find(phone="8 (495) 123 45 67 доб. 7")
        self.assertEqual((match["partner"], match["reason"]), (self.romashka, "phone"))
        [match] = self._find(phone="+79160001122")
        self.assertEqual(match["partner"], self.romashka, "the contact's phone leads to its company")

    def test_strongest_reason_first_one_entry_per_company(self):
        matches = self._find(
            vat=INN_ROMASHKA, medcrm_kpp="770301001", name="Ромашка-Мед", email="x@romashka-med.example"
        )
        self.assertEqual([(m["partner"], m["reason"]) for m in matches], [(self.romashka, "inn_kpp")])

    def test_another_valid_inn_is_another_company_whatever_the_name(self):
        self.assertFalse(self._find(vat=INN_VEKTOR, name="ООО «Ромашка-Мед»", email="b@romashka-med.example"))

    def test_no_match(self):
        self.assertEqual(self._find(vat=INN_VEKTOR, name="ООО «Вектор»", email="info@vektor.example"), [])

    def test_the_company_being_edited_is_left_out(self):
        self.assertFalse(
            self.romashka._medcrm_find_counterparty_duplicates({"vat": INN_ROMASHKA, "medcrm_kpp": "770301001"})
        )

    def test_invalid_inn_clear_russian_errors(self):
        with self.assertRaisesMessage(ValidationError, "контрольные цифры"):
            self._find(vat="7703123458")
        with self.assertRaisesMessage(ValidationError, "7 цифр.*10 цифр.*12"):
            self._find(vat="7703123")
        with self.assertRaisesMessage(ValidationError, "только из цифр"):
            self._find(vat="77031234АБ")

    def test_archived_companies_are_not_matched(self):
        self.romashka.action_archive()
        self.assertFalse(self._find(vat=INN_ROMASHKA, medcrm_kpp="770301001"))


@tagged("post_install", "-at_install")
class TestCounterpartyUnique(ErrorMessageMixin, TransactionCase):
    """Counterparties are unique: one active company per INN and KPP (per INN when no KPP)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        cls.Partner = cls.env["res.partner"].with_context(lang="ru_RU")
        cls.ru = cls.env.ref("base.ru")
        cls.vektor = cls.Partner.create(
            {
                "name": "АО «Вектор»",
                "is_company": True,
                "country_id": cls.ru.id,
                "vat": INN_VEKTOR,
                "medcrm_kpp": "502701001",
            }
        )

    def test_inn_is_stored_as_digits(self):
        company = self.Partner.create(
            {"name": "ООО «Ромашка-Мед»", "is_company": True, "country_id": self.ru.id, "vat": "ИНН 7703 123 457"}
        )
        self.assertEqual(company.vat, INN_ROMASHKA)
        self.assertEqual(company.medcrm_inn, INN_ROMASHKA)

    def test_same_inn_and_kpp_refused_in_russian(self):
        with self.assertRaisesMessage(ValidationError, "ИНН 5027123457 и КПП 502701001 уже есть.*Вектор"):
            self.Partner.create(
                {
                    "name": "Вектор (дубль)",
                    "is_company": True,
                    "country_id": self.ru.id,
                    "vat": " 5027 123 457",
                    "medcrm_kpp": "502701001",
                }
            )

    def test_same_inn_without_kpp_twice_refused(self):
        self.Partner.create({"name": "ИП Сидоров", "is_company": True, "country_id": self.ru.id, "vat": INN_IP})
        with self.assertRaisesMessage(ValidationError, "ИНН 770712345633 уже есть"):
            self.Partner.create({"name": "Сидоров П. И.", "is_company": True, "country_id": self.ru.id, "vat": INN_IP})

    def test_branch_with_another_kpp_contacts_and_archived_twins_are_allowed(self):
        branch = self.Partner.create(
            {
                "name": "АО «Вектор», филиал",
                "is_company": True,
                "country_id": self.ru.id,
                "vat": INN_VEKTOR,
                "medcrm_kpp": "502702001",
            }
        )
        self.assertTrue(branch.medcrm_inn)
        contact = self.Partner.create({"name": "Петров", "parent_id": self.vektor.id})
        self.assertEqual(contact.vat, INN_VEKTOR, "Odoo copies the INN to contacts: they are no counterparties")
        self.vektor.action_archive()
        self.Partner.create(
            {
                "name": "АО «Вектор»",
                "is_company": True,
                "country_id": self.ru.id,
                "vat": INN_VEKTOR,
                "medcrm_kpp": "502701001",
            }
        )

    def test_writing_the_same_inn_and_kpp_is_refused(self):
        other = self.Partner.create({"name": "Другая", "is_company": True, "country_id": self.ru.id})
        with self.assertRaisesMessage(ValidationError, "уже есть"):
            other.write({"vat": INN_VEKTOR, "medcrm_kpp": "502701001"})

    def test_invalid_inn_on_a_russian_partner_in_russian(self):
        with self.assertRaisesMessage(ValidationError, "ИНН «7703123458» неверен: контрольные цифры"):
            self.Partner.create({"name": "Ошибка", "is_company": True, "country_id": self.ru.id, "vat": "7703123458"})

    def test_invalid_kpp_in_russian(self):
        with self.assertRaisesMessage(ValidationError, "КПП «12345» .* 9 символов"):
            self.Partner.create({"name": "Ошибка", "is_company": True, "country_id": self.ru.id, "medcrm_kpp": "12345"})
