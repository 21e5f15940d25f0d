"""Benchmark of the state register (medcrm_registry): import of a 150,000-row register, match of 100,000 products.

Run by `make bench` (fresh database without demo data; env MEDCRM_RUNTIME_CONF = the Odoo config).
Writes a register in the published format (a zip of a ``;``-separated windows-1251 CSV with a header row,
quoted multi-line fields, both date formats, an unknown extra column) to a temporary file, imports it
through the same code path as the weekly job (streaming: never the whole file in memory), imports it a
second time (idempotent: nothing added or changed), then creates 100,000 products by SQL with numbers in
the forms found in practice and matches them all. Prints the figures and the peak memory of the process.

Targets: import ≤ 30 s, match ≤ 5 s. Sizes: BENCH_REGISTER_ROWS (150000), BENCH_PRODUCTS (100000).
"""

import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
import zipfile

import odoo
from odoo import SUPERUSER_ID, api

ROWS = int(os.environ.get("BENCH_REGISTER_ROWS", "150000"))
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
TARGET_IMPORT_S = 30.0
TARGET_MATCH_S = 5.0
HEADER = [
    "unique_number",
    "registration_number",
    "registration_date",
    "registration_date_end",
    "name",
    "applicant",
    "applicant_address_post",
    "applicant_address_legal",
    "producer",
    "producer_address_post",
    "producer_address_legal",
    "okp",
    "class",
    "appointment",
    "kind",
    "address_production",
    "details",
    "extra_unknown",
]
PREFIXES = ("РЗН", "ФСЗ", "ФСР")


def log(msg):
    print(msg, flush=True)


def number(i):
    return f"{PREFIXES[i % 3]} {2008 + i % 17}/{10000 + i}"


def write_register(path, rows):
    rng = random.Random(42)  # noqa: S311 - reproducible test data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("data.csv", "w") as raw:
        text = io.TextIOWrapper(raw, encoding="cp1251", newline="")
        writer = csv.writer(text, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            year = 2008 + i % 17
            start = f"{year}{1 + i % 12:02d}{1 + i % 28:02d}" if i % 2 else f"{year}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            end = "" if i % 3 else f"{year + 5 + i % 10}-06-30"
            producer = f"ООО «Производитель {i % 5000}»"
            writer.writerow(
                [
                    str(100000 + i),
                    number(i),
                    start,
                    end,
                    f"Медицинское изделие № {i}\nвариант исполнения {rng.randint(1, 9)}; «стерильно»",
                    producer,
                    "Россия, 111111, Москва",
                    "Россия, 111111, Москва, ул. Заводская, д. 1",
                    producer,
                    "",
                    "Россия, Москва",
                    "94 4410",
                    ("1", "2а", "2б", "3")[i % 4],
                    "Для применения в медицинских организациях",
                    "Изделие",
                    "Россия, Москва",
                    "" if i % 7 else "Внесены изменения\r\nв документацию",
                    "x",
                ]
            )
        text.flush()
        text.detach()


def main():
    odoo.tools.config.parse_config(["-c", os.environ["MEDCRM_RUNTIME_CONF"]])
    db = odoo.tools.config["db_name"]
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr, tempfile.TemporaryDirectory() as folder:
        env = api.Environment(cr, SUPERUSER_ID, {})
        path = os.path.join(folder, "register.zip")
        started = time.monotonic()
        write_register(path, ROWS)
        log(
            f"register written: {ROWS:,} rows, {os.path.getsize(path) / 1e6:.1f} MB zipped, "
            f"in {time.monotonic() - started:.1f} s"
        )
        Import = env["medcrm.registry.import"]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with open(path, "rb") as data:
            started = time.monotonic()
            first = Import._import_file(data, "register.zip")
            import_s = time.monotonic() - started
        cr.commit()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log(
            f"import: {first.count_read:,} rows read, {first.count_added:,} added, {first.count_rejected} rejected "
            f"in {import_s:.1f} s (target ≤ {TARGET_IMPORT_S:.0f} s); peak RSS {rss_before:.0f} → {rss_after:.0f} MB"
        )
        with open(path, "rb") as data:
            started = time.monotonic()
            second = Import._import_file(data, "register.zip")
            again_s = time.monotonic() - started
        cr.commit()
        log(
            f"second import of the same file: {second.count_added} added, {second.count_changed} changed, "
            f"{second.count_unchanged:,} unchanged in {again_s:.1f} s"
        )

        unit = env.ref("uom.product_uom_unit").id
        categ = env.ref("product.product_category_all").id
        # numbers as typed in 1C: clean, with «№», Latin look-alikes, leading zeros; 5 % unknown, 1 % garbage
        cr.execute(
            """INSERT INTO product_template (name, type, categ_id, uom_id, uom_po_id, sale_ok, purchase_ok, active,
                                             is_storable, tracking, sale_line_warn, purchase_line_warn,
                                             service_tracking, invoice_policy, list_price, default_code,
                                             medcrm_registry_code, create_uid, write_uid, create_date, write_date)
               SELECT jsonb_build_object('en_US', 'Товар ' || i), 'consu', %(categ)s, %(unit)s, %(unit)s, TRUE, TRUE,
                      TRUE, TRUE, 'none', 'no-message', 'no-message', 'no', 'order', 100, 'R-' || i,
                      CASE WHEN i %% 100 = 0 THEN 'см. паспорт'
                           WHEN i %% 20 = 0 THEN 'РЗН 2099/' || i
                           WHEN i %% 4 = 1 THEN '№ ' || (ARRAY['РЗН','ФСЗ','ФСР'])[1 + i %% 3] || ' '
                                                || (2008 + i %% 17) || '/0' || (10000 + i)
                           WHEN i %% 4 = 2 THEN (ARRAY['P3H','FSZ','ФCР'])[1 + i %% 3] || ' '
                                                || (2008 + i %% 17) || ' / ' || (10000 + i)
                           ELSE (ARRAY['РЗН','ФСЗ','ФСР'])[1 + i %% 3] || ' ' || (2008 + i %% 17) || '/' || (10000 + i)
                      END, 1, 1, now(), now()
                 FROM generate_series(0, %(products)s - 1) i""",
            {"categ": categ, "unit": unit, "products": PRODUCTS},
        )
        cr.commit()
        env.invalidate_all()
        started = time.monotonic()
        checked = env["product.template"]._medcrm_registry_match()
        match_s = time.monotonic() - started
        cr.commit()
        cr.execute(
            "SELECT c.status, count(*) FROM product_template t "
            "JOIN medcrm_registry_product_check c ON c.product_tmpl_id = t.id "
            "WHERE t.default_code LIKE 'R-%%' GROUP BY 1 ORDER BY 2 DESC"
        )
        statuses = ", ".join(f"{status}: {count:,}" for status, count in cr.fetchall())
        log(f"match: {checked:,} products in {match_s:.1f} s (target ≤ {TARGET_MATCH_S:.0f} s); {statuses}")
        started = time.monotonic()
        env["product.template"]._medcrm_registry_match()
        log(f"match again (nothing changed, nothing written): {time.monotonic() - started:.1f} s")
        ok = import_s <= TARGET_IMPORT_S and match_s <= TARGET_MATCH_S and not second.count_added
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
