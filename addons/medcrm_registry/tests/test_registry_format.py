"""Certificate numbers as written in practice, dates, producers: the pure helpers."""

import datetime

from odoo.addons.medcrm_registry.models.registry_format import normalize_number, parse_date, producer_matches
from odoo.tests import BaseCase, tagged


@tagged("post_install", "-at_install")
class TestRegistryFormat(BaseCase):
    def test_number_forms_found_in_practice(self):
        forms = {
            "РЗН 2019/8123": "РЗН 2019/8123",
            "№ РЗН 2019/8123": "РЗН 2019/8123",
            "№РЗН2019/8123": "РЗН 2019/8123",
            "  рзн   2019 / 8123 ": "РЗН 2019/8123",
            "P3H 2019/8123": "РЗН 2019/8123",  # Latin P and H, digit 3 for З
            "PЗН 2019/08123": "РЗН 2019/8123",
            "ФСЗ 2010/07540": "ФСЗ 2010/7540",
            "ФCЗ 2010/07540": "ФСЗ 2010/7540",  # Latin C
            "FSZ 2010/07540": "ФСЗ 2010/7540",
            "ФСР 2011/12345": "ФСР 2011/12345",
            "N ФСР 2011/12345": "ФСР 2011/12345",
            "ФС №2006/1234": "ФС 2006/1234",
            "РЗН 2019\\8123": "РЗН 2019/8123",
        }
        for raw, key in forms.items():
            with self.subTest(raw=raw):
                self.assertEqual(normalize_number(raw), (key, True))

    def test_unrecognized_numbers(self):
        for raw in ("12345", "РЗН 19/8123", "см. паспорт", "ФСЗ 2010-07540"):
            with self.subTest(raw=raw):
                key, recognized = normalize_number(raw)
                self.assertFalse(recognized)
                self.assertTrue(key)
        self.assertEqual(normalize_number(""), (None, False))
        self.assertEqual(normalize_number(None), (None, False))
        self.assertNotEqual(normalize_number("РЗН 2019/8123")[0], normalize_number("РЗН 2019/8124")[0])
        self.assertNotEqual(normalize_number("РЗН 2019/8123")[0], normalize_number("ФСЗ 2019/8123")[0])

    def test_dates(self):
        self.assertEqual(parse_date("20190314"), datetime.date(2019, 3, 14))
        self.assertEqual(parse_date("2019-03-14"), datetime.date(2019, 3, 14))
        self.assertEqual(parse_date("2019-03-14 00:00:00"), datetime.date(2019, 3, 14))
        self.assertEqual(parse_date("14.03.2019"), datetime.date(2019, 3, 14))
        self.assertIsNone(parse_date(""))
        self.assertIsNone(parse_date("  "))
        for bad in ("2019/03/14", "20191314", "бессрочно"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                parse_date(bad)

    def test_producer_matches_manufacturer(self):
        self.assertTrue(producer_matches('ООО "Медпром", Россия', "Медпром"))
        self.assertTrue(producer_matches("B. Braun Melsungen AG, Germany", "B. Braun Melsungen"))
        self.assertFalse(producer_matches('АО "Фогт Медикал"', "Медпром"))
        self.assertFalse(producer_matches("ООО Медпласт", "ООО Медпром"))
