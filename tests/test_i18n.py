"""Russian comes first: every term an addon shows has its Russian translation in i18n/ru.po."""

import re
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader

ADDONS_DIR = Path(__file__).resolve().parent.parent / "addons"
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
MEDCRM_ADDONS = ["medcrm_needs", "medcrm_leads", "medcrm_1c_bridge", "medcrm_reports", "medcrm_registry"]


@tagged("post_install", "-at_install")
class TestRussianTranslations(TransactionCase):
    def test_every_term_is_translated(self):
        for module in MEDCRM_ADDONS:
            with self.subTest(module=module):
                po_path = ADDONS_DIR / module / "i18n" / "ru.po"
                self.assertTrue(po_path.exists(), f"{module} has no i18n/ru.po")
                # Read as Odoo reads it at load: merged with the addon's .pot, where a term missing from the .pot
                # makes its Russian obsolete (never loaded).
                translated = {row["src"] for row in PoFileReader(str(po_path)) if row["value"].strip()}
                terms = {
                    row[4]
                    for row in TranslationModuleReader(self.env.cr, modules=[module])
                    if row[4] and LATIN_WORD.search(row[4]) and not CYRILLIC.search(row[4])  # already Russian
                }
                missing = sorted(terms - translated)
                self.assertFalse(
                    missing, f"{module}: {len(missing)} terms without Russian (run `make i18n`): {missing[:10]}"
                )
