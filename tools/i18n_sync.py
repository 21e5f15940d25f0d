"""Refresh each MedCRM addon's i18n/<addon>.pot and i18n/ru.po from an installed database.

Run through `make i18n` (it starts PostgreSQL and passes the database). Existing Russian translations
are kept; new terms are added with an empty msgstr and listed, obsolete ones are dropped. The test
tests/test_i18n.py fails while any term is left untranslated.
"""

import io
import os
import re
import sys
from pathlib import Path

import polib

import odoo
from odoo.tools.translate import TranslationFileWriter, TranslationModuleReader

ROOT = Path(__file__).resolve().parent.parent
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
ADDONS = ("medcrm_needs", "medcrm_leads", "medcrm_1c_bridge", "medcrm_reports", "medcrm_registry")


def needs_translation(term):
    """English words need Russian; Russian text and codes such as «РЗН 2019/8123» stay as they are."""
    return bool(LATIN_WORD.search(term)) and not CYRILLIC.search(term)


def export_pot(cr, module):
    buffer = io.BytesIO()
    reader = TranslationModuleReader(cr, modules=[module])
    TranslationFileWriter(buffer, fileformat="po", lang=None).write_rows(reader)
    return polib.pofile(buffer.getvalue().decode())


def merge(pot, po_path):
    old = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    known = {(e.msgctxt, e.msgid): e.msgstr for e in old if e.msgstr}
    by_id = {e.msgid: e.msgstr for e in old if e.msgstr}
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "MedCRM 18.0",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Language": "ru",
        "Plural-Forms": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    }
    missing = []
    for entry in pot:
        msgstr = known.get((entry.msgctxt, entry.msgid)) or by_id.get(entry.msgid, "")
        if not msgstr and not needs_translation(entry.msgid):
            msgstr = entry.msgid  # already Russian (demo data) or no words at all (a placeholder)
        po.append(
            polib.POEntry(
                msgid=entry.msgid,
                msgstr=msgstr,
                msgctxt=entry.msgctxt,
                occurrences=entry.occurrences,
                comment=entry.comment,
                tcomment=entry.tcomment,
                flags=entry.flags,
            )
        )
        if not msgstr:
            missing.append(entry.msgid)
    po.save(str(po_path))
    return missing


def main():
    odoo.tools.config.parse_config(["-c", os.environ["MEDCRM_RUNTIME_CONF"]])
    db = odoo.tools.config["db_name"]
    registry = odoo.modules.registry.Registry(db)
    total_missing = 0
    with registry.cursor() as cr:
        for module in ADDONS:
            i18n = ROOT / "addons" / module / "i18n"
            i18n.mkdir(exist_ok=True)
            pot = export_pot(cr, module)
            pot.wrapwidth = 0
            # No timestamps: a file changes only when its terms change (branches merge without conflicts).
            for key in ("POT-Creation-Date", "PO-Revision-Date"):
                pot.metadata.pop(key, None)
            pot.save(str(i18n / f"{module}.pot"))
            missing = merge(pot, i18n / "ru.po")
            total_missing += len(missing)
            print(f"{module}: {len(pot)} terms, {len(missing)} without Russian")
            for msgid in missing:
                print(f"    {msgid!r}")
    return 1 if total_missing else 0


if __name__ == "__main__":
    sys.exit(main())
