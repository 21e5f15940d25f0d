"""Benchmark of the need duplicate check (medcrm_needs) on a realistic database.

Run by `make bench` (fresh database without demo data; env MEDCRM_RUNTIME_CONF = the Odoo config).
Generates with SQL (INSERT … SELECT generate_series): 20,000 catalogue products (10 % in analogue groups),
5,000 counterparties, 200,000 needs with 2,000,000 lines (popular products are needed more often),
80,000 deals from converted needs with their quotations/orders (≈ 800,000 order lines), then checks
30-line needs and prints the median and p95 of ``_find_composition_duplicates()``, and the ratio against a
naive ORM implementation (a Python loop over the open needs and deals) measured in the same run on fewer
samples, because one naive check takes seconds.

Sizes can be changed with BENCH_NEEDS (default 200000), BENCH_PRODUCTS (20000), BENCH_SAMPLES (200) and
BENCH_NAIVE_SAMPLES (3).
"""

import os
import random
import statistics
import sys
import time

import psycopg2

import odoo
from odoo import SUPERUSER_ID, api

NEEDS = int(os.environ.get("BENCH_NEEDS", "200000"))
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "20000"))
PARTNERS = 5_000
MANAGERS = 12
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "200"))
NAIVE_SAMPLES = int(os.environ.get("BENCH_NAIVE_SAMPLES", "3"))
SAMPLE_LINES = 30
TARGET_MEDIAN_MS = 50.0

# Product drawn for a line: 1 + floor(P * random()^2): a few consumables are in many needs, most products
# in few (the long tail of a medical catalogue).
PRODUCT_DRAW = "1 + floor({products} * power(random(), 2))::int"


def log(msg):
    print(msg, flush=True)


def timed(label, cr, sql, params=None):
    started = time.monotonic()
    cr.execute(sql, params)
    log(f"  {label}: {cr.rowcount:,} rows in {time.monotonic() - started:.1f} s")


def generate(env):
    cr = env.cr
    cr.execute("SELECT setseed(0.42)")
    company = env.company
    unit = env.ref("uom.product_uom_unit").id
    categ = env.ref("product.product_category_all").id
    users = env["res.users"].create(
        [
            {
                "name": f"Менеджер {index:02d}",
                "login": f"bench_manager_{index:02d}",
                "groups_id": [(6, 0, [env.ref("medcrm_needs.group_medcrm_manager").id, env.ref("base.group_user").id])],
            }
            for index in range(MANAGERS)
        ]
    )
    user_ids = users.ids
    stages = env["crm.stage"].search([])
    open_stage = stages.filtered(lambda s: not s.is_won)[:1].id
    won_stage = stages.filtered("is_won")[:1].id
    env.flush_all()
    params = {
        "company": company.id,
        "currency": company.currency_id.id,
        "unit": unit,
        "categ": categ,
        "products": PRODUCTS,
        "partners": PARTNERS,
        "needs": NEEDS,
        "users": user_ids,
        "open_stage": open_stage,
        "won_stage": won_stage,
    }
    started = time.monotonic()
    # The generated rows are consistent by construction: skip the per-row foreign key triggers when the
    # database user may (a superuser), which makes the load several times faster.
    try:
        with cr.savepoint(flush=False):
            cr.execute("SET LOCAL session_replication_role = replica")
        log("foreign key triggers off during the load")
    except Exception:  # noqa: BLE001 - not a superuser: load with the triggers
        log("foreign key triggers on during the load (not a superuser)")
    log(f"generating: {PRODUCTS:,} products, {PARTNERS:,} counterparties, {NEEDS:,} needs …")

    timed(
        "analogue groups",
        cr,
        """INSERT INTO medcrm_analogue_group (name, active, create_uid, write_uid, create_date, write_date)
           SELECT 'Группа аналогов ' || g, TRUE, 1, 1, now(), now() FROM generate_series(1, %(products)s / 20) g""",
        params,
    )
    cr.execute("SELECT min(id) FROM medcrm_analogue_group WHERE name LIKE 'Группа аналогов %'")
    params["group0"] = cr.fetchone()[0]
    # product i gets row number i in both tables, offset by the ids already used
    timed(
        "product templates",
        cr,
        """INSERT INTO product_template (name, type, categ_id, uom_id, uom_po_id, sale_ok, purchase_ok, active,
                                         is_storable, tracking, sale_line_warn, purchase_line_warn,
                                         service_tracking, invoice_policy, list_price, default_code,
                                         medcrm_registry_code, medcrm_analogue_group_id,
                                         create_uid, write_uid, create_date, write_date)
           SELECT jsonb_build_object('en_US', 'Товар ' || i), 'consu', %(categ)s, %(unit)s, %(unit)s, TRUE, TRUE,
                  TRUE, TRUE, 'none', 'no-message', 'no-message', 'no', 'order', 10 + i %% 500, 'B-' || i,
                  'РЗН 20' || (10 + i %% 15) || '/' || (1000 + i),
                  CASE WHEN i %% 10 = 0 THEN %(group0)s + (i / 10) %% (%(products)s / 20) END,
                  1, 1, now(), now()
             FROM generate_series(1, %(products)s) i""",
        params,
    )
    timed(
        "product variants",
        cr,
        """INSERT INTO product_product (product_tmpl_id, active, default_code, create_uid, write_uid,
                                        create_date, write_date)
           SELECT id, TRUE, default_code, 1, 1, now(), now() FROM product_template
            WHERE default_code LIKE 'B-%%' ORDER BY id""",
        params,
    )
    cr.execute("SELECT min(id) FROM product_product WHERE default_code LIKE 'B-%'")
    params["product0"] = cr.fetchone()[0] - 1
    timed(
        "counterparties",
        cr,
        """INSERT INTO res_partner (name, complete_name, is_company, active, type, company_id, autopost_bills,
                                    create_uid, write_uid, create_date, write_date)
           SELECT 'ООО «Клиент ' || i || '»', 'ООО «Клиент ' || i || '»', TRUE, TRUE, 'contact', NULL, 'ask',
                  1, 1, now(), now()
             FROM generate_series(1, %(partners)s) i""",
        params,
    )
    cr.execute("SELECT min(id) FROM res_partner WHERE name LIKE 'ООО «Клиент %'")
    params["partner0"] = cr.fetchone()[0] - 1
    # states: 5 % draft, 20 % open, 5 % duplicate, 30 % lost, 40 % converted; periods over three years
    timed(
        "needs",
        cr,
        """INSERT INTO medcrm_need (name, partner_id, user_id, company_id, state, date_from, date_to, active,
                                    line_count, is_duplicate_candidate, satisfiable, create_uid, write_uid,
                                    create_date, write_date)
           SELECT 'ПТ-Б-' || lpad(i::text, 7, '0'),
                  %(partner0)s + 1 + (random() * (%(partners)s - 1))::int,
                  (%(users)s::int[])[1 + (random() * (array_length(%(users)s::int[], 1) - 1))::int],
                  %(company)s, s.state, d.date_from, d.date_from + (30 + (random() * 150)::int),
                  s.state <> 'converted', 0, s.state = 'open', FALSE, 1, 1, now(), now()
             FROM generate_series(1, %(needs)s) i
            CROSS JOIN LATERAL (SELECT random() + 0 * i AS r) rnd
            CROSS JOIN LATERAL (SELECT CASE WHEN rnd.r < 0.05 THEN 'draft' WHEN rnd.r < 0.25 THEN 'open'
                                            WHEN rnd.r < 0.30 THEN 'duplicate' WHEN rnd.r < 0.60 THEN 'lost'
                                            ELSE 'converted' END AS state) s
            CROSS JOIN LATERAL (SELECT DATE '2025-01-01' + (random() * 1000 + 0 * i)::int AS date_from) d""",
        params,
    )
    cr.execute("SELECT min(id) FROM medcrm_need WHERE name LIKE 'ПТ-Б-%'")
    params["need0"] = cr.fetchone()[0]
    # deals of converted needs: 15 % open, 55 % won, 30 % lost (archived)
    timed(
        "deals",
        cr,
        """INSERT INTO crm_lead (name, type, active, partner_id, user_id, company_id, stage_id, probability,
                                 medcrm_need_id, medcrm_need_number, expected_revenue, medcrm_control_state,
                                 create_uid, write_uid, create_date, write_date)
           SELECT n.name || ' — сделка', 'opportunity', o.outcome <> 'lost', n.partner_id, n.user_id,
                  n.company_id, CASE WHEN o.outcome = 'won' THEN %(won_stage)s ELSE %(open_stage)s END,
                  CASE o.outcome WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 30 END, n.id, n.name, 0, 'ok',
                  1, 1, now(), now()
             FROM medcrm_need n
            CROSS JOIN LATERAL (SELECT random() + 0 * n.id AS r) rnd
            CROSS JOIN LATERAL (SELECT CASE WHEN rnd.r < 0.15 THEN 'open' WHEN rnd.r < 0.70 THEN 'won'
                                            ELSE 'lost' END AS outcome) o
            WHERE n.state = 'converted' AND n.id >= %(need0)s""",
        params,
    )
    timed(
        "needs ← deals",
        cr,
        """UPDATE medcrm_need n SET deal_id = d.id,
                  is_duplicate_candidate = (d.active AND d.probability < 100)
             FROM crm_lead d WHERE d.medcrm_need_id = n.id AND n.id >= %(need0)s""",
        params,
    )
    # 5 to 15 lines a need (10 on average)
    timed(
        "need lines",
        cr,
        f"""INSERT INTO medcrm_need_line (need_id, sequence, product_id, product_uom_qty, product_uom_id,
                                          company_id, partner_id, user_id, state, date_from, date_to, deal_id,
                                          is_duplicate_candidate, create_uid, write_uid, create_date, write_date)
            SELECT n.id, k, %(product0)s + {PRODUCT_DRAW.format(products="%(products)s")}, 1 + (random() * 99)::int,
                   %(unit)s, n.company_id, n.partner_id, n.user_id, n.state, n.date_from, n.date_to,
                   n.deal_id, n.is_duplicate_candidate,
                   1, 1, now(), now()
              FROM medcrm_need n
             CROSS JOIN LATERAL generate_series(1, 5 + n.id %% 11) k
             WHERE n.id >= %(need0)s""",  # noqa: S608 - a constant expression, values are parameters
        params,
    )
    timed(
        "need line counts",
        cr,
        """UPDATE medcrm_need n SET line_count = c.n
             FROM (SELECT need_id, count(*) n FROM medcrm_need_line GROUP BY need_id) c
            WHERE c.need_id = n.id AND n.id >= %(need0)s""",
        params,
    )
    # one quotation/order per deal with the need's lines: draft/sent for open deals, confirmed for won ones,
    # cancelled for lost ones
    timed(
        "sale orders",
        cr,
        """INSERT INTO sale_order (name, partner_id, partner_invoice_id, partner_shipping_id, company_id,
                                   currency_id, date_order, state, picking_policy, opportunity_id, medcrm_need_id,
                                   medcrm_need_number, medcrm_in_open_deal, user_id, create_uid, write_uid,
                                   create_date, write_date)
           SELECT 'SB' || d.id, d.partner_id, d.partner_id, d.partner_id, d.company_id, %(currency)s, now(),
                  CASE WHEN d.probability = 100 THEN 'sale' WHEN NOT d.active THEN 'cancel'
                       WHEN d.id %% 2 = 0 THEN 'sent' ELSE 'draft' END,
                  'direct', d.id, d.medcrm_need_id, d.medcrm_need_number, d.active AND d.probability < 100,
                  d.user_id, 1, 1, now(), now()
             FROM crm_lead d WHERE d.medcrm_need_id >= %(need0)s""",
        params,
    )
    timed(
        "sale order lines",
        cr,
        """INSERT INTO sale_order_line (order_id, sequence, name, product_id, product_uom_qty, product_uom,
                                        price_unit, customer_lead, state, company_id, currency_id,
                                        medcrm_in_open_deal, medcrm_deal_id, create_uid, write_uid, create_date,
                                        write_date)
           SELECT so.id, l.sequence, 'Товар', l.product_id, l.product_uom_qty, l.product_uom_id, 10, 0, so.state,
                  so.company_id, so.currency_id, so.medcrm_in_open_deal, so.opportunity_id, 1, 1, now(),
                  now()
             FROM sale_order so JOIN medcrm_need_line l ON l.need_id = so.medcrm_need_id
            WHERE so.medcrm_need_id >= %(need0)s""",
        params,
    )
    log(f"generated in {time.monotonic() - started:.0f} s")
    return params


def vacuum_analyze(db):
    """What autovacuum does to a live database after a bulk load: statistics and the visibility map."""
    started = time.monotonic()
    __, info = odoo.sql_db.connection_info_for(db)
    connection = psycopg2.connect(**info)
    connection.autocommit = True
    with connection.cursor() as cr:
        cr.execute("VACUUM ANALYZE")
    connection.close()
    log(f"VACUUM ANALYZE in {time.monotonic() - started:.0f} s")


def make_samples(env, params):
    """30-line open needs; every fourth has a twin (a dealer's need sharing 27 of its 30 products)."""
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    Need = env["medcrm.need"].with_context(medcrm_skip_duplicate_check=True, tracking_disable=True)

    def draw(count, exclude=()):
        products = []
        while len(products) < count:
            product_id = params["product0"] + 1 + int(PRODUCTS * rng.random() ** 2)
            if product_id not in products and product_id not in exclude:
                products.append(product_id)
        return products

    def create(product_ids, index):
        return Need.create(
            {
                "partner_id": params["partner0"] + 1 + rng.randrange(PARTNERS),
                "user_id": params["users"][index % len(params["users"])],
                "date_from": "2026-03-01",
                "date_to": "2026-08-31",
                "state": "open",
                "line_ids": [(0, 0, {"product_id": pid, "product_uom_qty": 10}) for pid in product_ids],
            }
        )

    need_ids = []
    for index in range(SAMPLES):
        product_ids = draw(SAMPLE_LINES)
        if index % 4 == 0:
            create(product_ids[:27] + draw(3, exclude=product_ids), index + 1)
        need_ids.append(create(product_ids, index).id)
    env.flush_all()
    return need_ids


def naive_find(need):
    """The check a Python programmer would write first: load every open need and deal, compare in Python."""
    env = need.env
    threshold = need._get_duplicate_overlap()

    def key(product):
        group = product.product_tmpl_id.medcrm_analogue_group_id
        return ("group", group.id) if group else ("product", product.id)

    own = {key(line.product_id) for line in need.line_ids}
    matches = []

    def compare(kind, record, keys):
        common = own & keys
        if common and len(common) >= threshold * max(len(own), len(keys)) - 1e-9:
            matches.append((kind, record.id, round(100.0 * len(common) / max(len(own), len(keys)), 1)))

    others = env["medcrm.need"].search(
        [
            ("state", "=", "open"),
            ("id", "!=", need.id),
            ("company_id", "=", need.company_id.id),
            ("date_from", "<=", need.date_to),
            ("date_to", ">=", need.date_from),
        ]
    )
    for other in others:
        compare("need", other, {key(line.product_id) for line in other.line_ids})
    deals = env["crm.lead"].search(
        [("type", "=", "opportunity"), ("probability", "<", 100), ("company_id", "=", need.company_id.id)]
    )
    for deal in deals:
        if deal.stage_id.is_won:
            continue
        source = deal.medcrm_need_id
        if source and (source.date_from > need.date_to or source.date_to < need.date_from):
            continue
        keys = {key(line.product_id) for line in source.line_ids}
        for order in deal.order_ids:
            if order.state in ("draft", "sent", "sale"):
                keys |= {key(line.product_id) for line in order.order_line if line.product_id}
        compare("deal", deal, keys)
    return matches


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    odoo.tools.config.parse_config(["-c", os.environ["MEDCRM_RUNTIME_CONF"]])
    db = odoo.tools.config["db_name"]
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = generate(env)
        cr.commit()
        vacuum_analyze(db)
        counts = {}
        for table in ("product_product", "medcrm_need", "medcrm_need_line", "crm_lead", "sale_order_line"):
            cr.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM medcrm_need_line WHERE is_duplicate_candidate")
        candidate_lines = cr.fetchone()[0]
        log(
            "database: {product_product:,} products, {medcrm_need:,} needs, {medcrm_need_line:,} need lines, "
            "{crm_lead:,} deals, {sale_order_line:,} order lines".format(**counts)
            + f"; {candidate_lines:,} lines of open needs/deals"
        )
        need_ids = make_samples(env, params)
        cr.commit()
        Need = env["medcrm.need"]
        times, found = [], []
        for need_id in need_ids:
            env.invalidate_all()
            need = Need.browse(need_id)
            started = time.perf_counter()
            matches = need._find_composition_duplicates()[need]
            times.append((time.perf_counter() - started) * 1000)
            found.append(len(matches))
        median, p95 = statistics.median(times), percentile(times, 0.95)
        log(
            f"\nSQL check of a {SAMPLE_LINES}-line need, {len(times)} samples: median {median:.1f} ms, "
            f"p95 {p95:.1f} ms, max {max(times):.1f} ms (target: median ≤ {TARGET_MEDIAN_MS:.0f} ms)"
        )
        log(f"needs with matches: {sum(1 for n in found if n)} of {len(found)}, matches per need: up to {max(found)}")
        naive_times = []
        for need_id in need_ids[:NAIVE_SAMPLES]:
            env.invalidate_all()
            need = Need.browse(need_id)
            started = time.perf_counter()
            naive = naive_find(need)
            naive_times.append((time.perf_counter() - started) * 1000)
            fast = {(m["kind"], m["id"]) for m in need._find_composition_duplicates()[need]}
            if {(kind, ref) for kind, ref, __ in naive} != fast:
                log(f"MISMATCH between naive and SQL results for need {need_id}")
                return 1
        naive_median = statistics.median(naive_times)
        log(
            f"naive ORM check (Python loop over open needs and deals), {len(naive_times)} samples (fewer: "
            f"one takes seconds): median {naive_median:.0f} ms; same matches as the SQL check"
        )
        log(f"ratio naive / SQL (medians): {naive_median / median:.0f}×")
        cr.rollback()
        return 0 if median <= TARGET_MEDIAN_MS else 1


if __name__ == "__main__":
    sys.exit(main())
