"""In-memory information base: entity tables, the modification counter, the change log and persistence.

Every write goes through :meth:`Store.put` / :meth:`Store.delete`, which bump one global counter.  The
counter is what 1C's DataVersion is to us (each object's DataVersion is derived from the counter value of
its last write) and it orders the change log that the custom HTTP service exposes.

Records are replaced, never mutated in place (copy-on-write), so a reader that took a row without the
lock always sees a consistent object.

The price and stock registers are derived from each product's register data (prices, balances, the Period
of its last price): built on their first read, then kept up to date product by product on every write, as
1C writes a document's few register records (:mod:`emulator_1c.registers`).  Cached query results are keyed
on the state of their entity set (:meth:`Store.state_of`), so a write elsewhere does not throw them away.

Persistence (``--data-dir``) is an append-only journal of writes on top of the deterministic seed: on
start the seed is rebuilt and the journal replayed, which is fast and keeps the files small.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import datetime as dt
import gc
import json
import os
import random
import threading
from dataclasses import dataclass
from pathlib import Path

from . import seed as seedmod
from .registers import RegisterTable
from .schema import ORDER_STATE, PAYMENT, PRICES, SHIPMENT, STOCK, Entity, Profile, build_entities
from .util import EMPTY_DATE, EMPTY_REF, data_version, fmt_date, new_guid


class NotFound(KeyError):
    pass


@contextlib.contextmanager
def collector_paused():
    """Seeding makes millions of long-lived objects that hold no cycles: the cyclic garbage collector,
    triggered by the allocations, would walk them over and over (it doubles the time of a 100,000-item seed)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class StoreOptions:
    products: int = 1000
    seed: int = 42
    profile: Profile | None = None
    data_dir: str | None = None


class Store:
    def __init__(self, options: StoreOptions) -> None:
        self.options = options
        self.profile = options.profile
        self.entities: dict[str, Entity] = build_entities(self.profile)
        self.lock = threading.RLock()
        self._journal = None
        self._load()

    # --- lifecycle -------------------------------------------------------------------------------------

    def _load(self) -> None:
        data_dir = Path(self.options.data_dir) if self.options.data_dir else None
        if data_dir:
            data_dir.mkdir(parents=True, exist_ok=True)
            meta_path = data_dir / "meta.json"
            if meta_path.exists():
                # A persisted base keeps the parameters it was seeded with, whatever the command line says.
                meta = json.loads(meta_path.read_text("utf-8"))
                self.options.products = meta["products"]
                self.options.seed = meta["seed"]
            else:
                meta_path.write_text(json.dumps({"products": self.options.products, "seed": self.options.seed,
                                                 "profile": self.profile.name}), "utf-8")
        with collector_paused():
            self._seed()
            journal = data_dir / "journal.jsonl" if data_dir else None
            if journal and journal.exists():
                self._replay(journal)
        if data_dir:
            self._journal = open(journal, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the server's life

    def _seed(self) -> None:
        self.seq = 0
        self.rows: dict[str, dict[str, dict]] = {name: {} for name in self.entities}
        self.order: dict[str, list[str]] = {name: [] for name in self.entities}
        self.log: list[tuple[int, str, str]] = []  # (seq, entity set, Ref_Key)
        self.tombstones: dict[str, tuple[int, str]] = {}
        self.extras: dict[str, seedmod.ProductExtra] = {}
        self.price_period: dict[str, str] = {}  # product -> Period of its last price record (default: seed date)
        # Price and stock registers, built on their first read and then kept up to date product by product.
        self.registers: dict[str, RegisterTable] = {}
        self._order_state: tuple[int, list[dict], dict[str, dict[str, list[dict]]]] | None = None
        # Last write per entity set (and per register): what cached query results are keyed on.
        self.epoch = getattr(self, "epoch", 0) + 1
        self.versions: dict[str, int] = {}
        self.counters: dict[str, int] = {}
        self.ref = seedmod.build_reference(self.options.seed, self.profile)
        products = self.profile.products
        for rec in self.ref.group_records:
            self._put_raw(products, self._with_product_defaults(rec))
        for entity_set, records in self.ref.records.items():
            if entity_set not in self.entities:
                continue  # a catalog this configuration does not have (БП 3: manufacturers, attributes)
            for rec in records:
                self._put_raw(entity_set, rec)
        for rec, extra in seedmod.iter_products(self.ref, self.profile, self.options.products):
            self._put_raw(products, rec, extra=extra)
        self.counters[products] = self.options.products
        self.seed_seq = self.seq

    def _with_product_defaults(self, folder: dict) -> dict:
        """Folders of the products catalog carry the item attributes too, empty — as 1C writes them."""
        rec = dict(folder)
        tail = {"Predefined": rec.pop("Predefined"), "PredefinedDataName": rec.pop("PredefinedDataName")}
        for prop in self.entities[self.profile.products].attrs:
            rec.setdefault(prop.name, EMPTY_REF if prop.edm == "Edm.Guid" else (
                EMPTY_DATE if prop.edm == "Edm.DateTime" else ""))
        for table in self.entities[self.profile.products].tables:
            rec.setdefault(table, [])
        rec.update(tail)
        return rec

    def reset(self, products: int | None = None, seed: int | None = None) -> None:
        with self.lock:
            if products is not None:
                self.options.products = products
            if seed is not None:
                self.options.seed = seed
            with collector_paused():
                self._seed()
            if self._journal:
                self._journal.close()
                data_dir = Path(self.options.data_dir)
                (data_dir / "meta.json").write_text(json.dumps({"products": self.options.products,
                                                                "seed": self.options.seed,
                                                                "profile": self.profile.name}), "utf-8")
                self._journal = open(data_dir / "journal.jsonl", "w", encoding="utf-8")  # noqa: SIM115

    def close(self) -> None:
        with self.lock:
            if self._journal:
                self._journal.close()
                self._journal = None

    def _replay(self, path: Path) -> None:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    op = json.loads(line)
                except json.JSONDecodeError:
                    break  # a torn last line after a crash: everything before it is good
                if op["op"] == "put":
                    extra = op.get("extra")
                    if extra is not None:
                        extra = seedmod.ProductExtra(tuple(extra[0]), tuple(extra[1]))
                    self._put_raw(op["set"], op["rec"], seq=op["seq"], extra=extra, period=op.get("period"))
                elif op["op"] == "del":
                    self._delete_raw(op["set"], op["key"], seq=op["seq"])
                if "counters" in op:
                    self.counters.update(op["counters"])

    def _journal_write(self, op: dict) -> None:
        if self._journal:
            op["counters"] = self.counters
            self._journal.write(json.dumps(op, ensure_ascii=False) + "\n")
            self._journal.flush()

    # --- raw writes --------------------------------------------------------------------------------------

    def _put_raw(self, entity_set: str, rec: dict, seq: int | None = None,
                 extra: seedmod.ProductExtra | None = None, period: str | None = None) -> dict:
        """Write an object; a product may bring its register data (prices, stock, the Period of its prices)."""
        self.seq = seq if seq is not None else self.seq + 1
        rec["DataVersion"] = data_version(self.seq)
        key = rec["Ref_Key"]
        table = self.rows[entity_set]
        if key not in table:
            self.order[entity_set].append(key)
        table[key] = rec
        self.tombstones.pop(key, None)
        self.log.append((self.seq, entity_set, key))
        self.versions[entity_set] = self.seq
        if extra is not None:
            self.extras[key] = extra
        if period is not None:
            self.price_period[key] = period
        if entity_set == self.profile.products:
            self._registers_changed(key)
        return rec

    def _delete_raw(self, entity_set: str, key: str, seq: int | None = None) -> None:
        self.seq = seq if seq is not None else self.seq + 1
        del self.rows[entity_set][key]
        self.order[entity_set].remove(key)
        self.tombstones[key] = (self.seq, entity_set)
        self.log.append((self.seq, entity_set, key))
        self.versions[entity_set] = self.seq
        if entity_set == self.profile.products:
            self._registers_changed(key)

    # --- public API ----------------------------------------------------------------------------------------

    def put(self, entity_set: str, rec: dict, extra: seedmod.ProductExtra | None = None,
            period: str | None = None) -> dict:
        """Write an object (``extra``/``period``: a product's new prices and stock, as a document would set them)."""
        with self.lock:
            rec = self._put_raw(entity_set, rec, extra=extra, period=period)
            op = {"op": "put", "set": entity_set, "rec": rec, "seq": self.seq}
            if extra is not None:
                op["extra"] = [list(extra.prices), list(extra.stock)]
            if period is not None:
                op["period"] = period
            self._journal_write(op)
            return rec

    def delete(self, entity_set: str, key: str) -> None:
        with self.lock:
            if key not in self.rows[entity_set]:
                raise NotFound(key)
            self._delete_raw(entity_set, key)
            self._journal_write({"op": "del", "set": entity_set, "key": key, "seq": self.seq})

    def get(self, entity_set: str, key: str) -> dict | None:
        return self.rows[entity_set].get(key)

    def all(self, entity_set: str) -> list[dict]:
        with self.lock:
            table = self.rows[entity_set]
            return [table[k] for k in self.order[entity_set]]

    def copy_of(self, entity_set: str, key: str) -> dict:
        rec = self.get(entity_set, key)
        if rec is None:
            raise NotFound(key)
        return copy.deepcopy(rec)

    def new_key(self) -> str:
        # Keys of objects created at run time are deterministic too: they depend on the seed and the counter.
        return new_guid(random.Random(f"{self.options.seed}:new:{self.seq}"))

    def next_code(self, entity_set: str, width: int = 9, prefix: str = "") -> str:
        with self.lock:
            if entity_set not in self.counters:
                self.counters[entity_set] = len(self.rows[entity_set])
            self.counters[entity_set] += 1
            return f"{prefix}{self.counters[entity_set]:0{width}d}"

    def next_number(self, entity_set: str) -> str:
        # УТ 11 numbers documents as <prefix of the organisation><prefix of the base>-<number>.
        return self.next_code(entity_set, 6, "МК00-")

    # --- change log ------------------------------------------------------------------------------------------

    def changes(self, since: int, limit: int, types: set[str] | None = None) -> tuple[list[dict], int, bool]:
        """Objects changed after counter ``since``, each once, at its latest version (see README)."""
        with self.lock:
            start = bisect.bisect_right(self.log, since, key=lambda e: e[0])
            out: list[dict] = []
            last = since
            more = False
            for seq, entity_set, key in self.log[start:]:
                if types and entity_set not in types:
                    last = seq
                    continue
                rec = self.rows[entity_set].get(key)
                if rec is not None:
                    if rec["DataVersion"] != data_version(seq):
                        last = seq
                        continue  # superseded by a later write that comes further down the log
                    item = {"seq": seq, "type": entity_set, "Ref_Key": key, "DataVersion": rec["DataVersion"],
                            "DeletionMark": rec.get("DeletionMark", False), "deleted": False}
                else:
                    tomb = self.tombstones.get(key)
                    if not tomb or tomb[0] != seq:
                        last = seq
                        continue
                    item = {"seq": seq, "type": entity_set, "Ref_Key": key, "DataVersion": "",
                            "DeletionMark": True, "deleted": True}
                if len(out) >= limit:
                    more = True
                    break
                out.append(item)
                last = seq
            return out, last, more

    # --- domain: orders, payments, shipments -----------------------------------------------------------------

    def documents_for(self, entity_set: str, basis_field: str, order_key: str) -> list[dict]:
        return [d for d in self.all(entity_set) if d.get(basis_field) == order_key and d.get("Posted")
                and not d.get("DeletionMark")]

    def order_status(self, order_key: str) -> dict:
        order_set = self.profile.order
        order = self.get(order_set, order_key)
        if order is None:
            raise NotFound(order_key)
        payments = self.documents_for(PAYMENT, "ДокументОснование", order_key)
        shipments = self.documents_for(SHIPMENT, "ЗаказКлиента", order_key)
        amount = float(order.get("СуммаДокумента") or 0)
        paid = round(sum(float(p.get("СуммаДокумента") or 0) for p in payments), 2)
        fully_paid = paid >= amount > 0 or (amount == 0 and bool(payments))
        shipped = bool(shipments)
        if fully_paid and shipped:
            state, text = "Закрыт", "Закрыт: оплачен и отгружен"
        elif shipped:
            state, text = "ОжидаетсяОплатаПослеОтгрузки", "Отгружен, ожидается оплата"
        elif fully_paid:
            state, text = "ГотовКОтгрузке", "Оплачен, ожидает отгрузки"
        elif paid > 0:
            state, text = "ЧастичноОплачен", "Частично оплачен"
        else:
            state, text = "ОжидаетсяОплата", "Ожидается оплата"
        return {
            "order": order,
            "amount": amount,
            "paid": fully_paid,
            "paid_amount": paid,
            "paid_date": max((p["Date"] for p in payments), default=None),
            "shipped": shipped,
            "shipped_date": max((s["Date"] for s in shipments), default=None),
            "state": state,
            "status_text": text,
        }

    def _set_order_status(self, order_key: str) -> None:
        st = self.order_status(order_key)
        wanted = {"Закрыт": "Закрыт", "ГотовКОтгрузке": "КОтгрузке"}.get(st["state"], st["order"]["Статус"])
        if wanted != st["order"]["Статус"]:
            rec = self.copy_of(self.profile.order, order_key)
            rec["Статус"] = wanted
            self.put(self.profile.order, rec)

    def pay_order(self, order_key: str, amount: float | None = None, date: str | None = None) -> dict:
        with self.lock:
            st = self.order_status(order_key)
            order = st["order"]
            if amount is None:
                amount = round(max(st["amount"] - st["paid_amount"], 0.0), 2)
            doc = {
                "Ref_Key": self.new_key(), "DataVersion": "", "DeletionMark": False,
                "Number": self.next_number(PAYMENT), "Date": date or fmt_date(dt.datetime.now()), "Posted": True,
                "Организация_Key": order.get("Организация_Key", EMPTY_REF), "Контрагент_Key": order["Контрагент_Key"],
                "ДокументОснование": order_key, "ДокументОснование_Type": f"StandardODATA.{self.profile.order}",
                "СуммаДокумента": float(amount),
                "НомерВходящегоДокумента": str(random.Random(self.seq).randint(100, 9999)),
                "НазначениеПлатежа": f"Оплата по заказу № {order['Number']} от {order['Date'][:10]}",
                "Комментарий": "",
            }
            self.put(PAYMENT, doc)
            self._set_order_status(order_key)
            return doc

    def ship_order(self, order_key: str, date: str | None = None) -> dict:
        with self.lock:
            order = self.order_status(order_key)["order"]
            key = self.new_key()
            goods = [dict(row, Ref_Key=key) for row in order.get("Товары", [])]
            doc = {
                "Ref_Key": key, "DataVersion": "", "DeletionMark": False,
                "Number": self.next_number(SHIPMENT), "Date": date or fmt_date(dt.datetime.now()), "Posted": True,
                "Организация_Key": order.get("Организация_Key", EMPTY_REF), "Контрагент_Key": order["Контрагент_Key"],
                "Склад_Key": order.get("Склад_Key", EMPTY_REF),
                "ЗаказКлиента": order_key, "ЗаказКлиента_Type": f"StandardODATA.{self.profile.order}",
                "СуммаДокумента": order.get("СуммаДокумента", 0.0), "Комментарий": "", "Товары": goods,
            }
            self.put(SHIPMENT, doc)
            self._set_order_status(order_key)
            return doc

    def find_counterparty(self, inn: str, kpp: str) -> dict | None:
        for rec in self.all("Catalog_Контрагенты"):
            if rec.get("ИНН") == inn and (rec.get("КПП") or "") == (kpp or "") and not rec.get("IsFolder"):
                return rec
        return None

    # --- computed registers ---------------------------------------------------------------------------------

    def register_rows(self, entity_set: str) -> list[dict]:
        """Every row of a computed register (or of its virtual table), products in catalog order."""
        with self.lock:
            name = self._register_name(entity_set)
            if name == ORDER_STATE:
                return self._order_state_table()[1]
            return self._register(name).rows(self.order[self.profile.products])

    def register_index(self, entity_set: str, prop: str) -> dict[str, list[dict]]:
        """Rows of a computed register by the lower-cased value of one property (what an index gives 1C)."""
        with self.lock:
            name = self._register_name(entity_set)
            if name == ORDER_STATE:
                _seq, rows, indexes = self._order_state_table()
                index = indexes.get(prop)
                if index is None:
                    index = indexes[prop] = {}
                    for row in rows:
                        index.setdefault(str(row.get(prop, "")).lower(), []).append(row)
                return index
            return self._register(name).index(prop, self.order[self.profile.products])

    def state_of(self, entity_set: str) -> tuple[int, int]:
        """A token that changes whenever the rows of ``entity_set`` may have changed (cached reads key on it)."""
        try:
            name = self._register_name(entity_set)
        except NotFound:
            return (self.epoch, self.versions.get(entity_set, 0))
        if name == ORDER_STATE:
            return (self.epoch, self.seq)  # derived from orders, payments and shipments: any write may move it
        return (self.epoch, self.versions.get(name, 0))

    @property
    def stock_balance(self) -> str:
        """Name of the stock register's Balance() table (a name no entity has when the profile has no stock)."""
        return f"{self.profile.stock or STOCK}_Balance"

    def _register_name(self, entity_set: str) -> str:
        """The register behind a virtual table name: prices (SliceLast/SliceFirst), stock Balance(), orders."""
        name = entity_set.removesuffix("_SliceLast").removesuffix("_SliceFirst")
        if name in (PRICES, self.stock_balance, ORDER_STATE):
            return name
        # Movements of the stock register are not emulated: it is read through the Balance() virtual table.
        raise NotFound(entity_set)

    def _register(self, name: str) -> RegisterTable:
        table = self.registers.get(name)
        if table is None:
            table = self.registers[name] = RegisterTable("Номенклатура_Key", self.rebuild_register(name))
        return table

    def _registers_changed(self, product_key: str) -> None:
        """A product (or its prices and stock) was written: replace its rows in the registers already built."""
        for name in (PRICES, self.stock_balance):
            table = self.registers.get(name)
            if table is None:
                self.versions[name] = self.seq  # built on the first read, from the data as it is then
            elif table.set(product_key, self._product_register_rows(name, product_key)):
                self.versions[name] = self.seq

    def _product_register_rows(self, name: str, key: str) -> list[dict]:
        """The rows one product has in a register now."""
        rec = self.rows[self.profile.products].get(key)
        extra = self.extras.get(key)
        if rec is None or extra is None:
            return []
        if name == PRICES:
            period = self.price_period.get(key, fmt_date(seedmod.SEED_DATE.date()))
            kinds = (p["Ref_Key"] for p in self.ref.price_types)
            return [{"Period": period, self.profile.price_kind: kind, "Номенклатура_Key": key, "Цена": price, "Валюта": "RUB"}
                    for kind, price in zip(kinds, extra.prices, strict=False)]
        if rec.get("IsFolder"):
            return []
        warehouses = (w["Ref_Key"] for w in self.ref.warehouses)
        return [{"Номенклатура_Key": key, "Склад_Key": wh, f"{self.profile.stock_resource}Balance": float(qty)}
                for wh, qty in zip(warehouses, extra.stock, strict=False) if qty]

    def rebuild_register(self, entity_set: str) -> list[dict]:
        """A register computed from scratch from every product: what the kept tables must always equal."""
        name = self._register_name(entity_set)
        with self.lock:
            if name == ORDER_STATE:
                return self._order_state_rows()
            if name == PRICES:
                # The latest record per (price type, product): what the SliceLast() virtual table gives.
                wholesale, retail = (p["Ref_Key"] for p in self.ref.price_types)
                seed_period = fmt_date(seedmod.SEED_DATE.date())
                out = []
                for rec in self.all(self.profile.products):
                    extra = self.extras.get(rec["Ref_Key"])
                    if extra is None:
                        continue
                    period = self.price_period.get(rec["Ref_Key"], seed_period)
                    for kind, price in ((wholesale, extra.prices[0]), (retail, extra.prices[1])):
                        out.append({"Period": period, self.profile.price_kind: kind, "Номенклатура_Key": rec["Ref_Key"],
                                    "Цена": price, "Валюта": "RUB"})
                return out
            # Balance() of the stock register: one row per product and warehouse with a non-zero balance.
            out = []
            warehouses = [w["Ref_Key"] for w in self.ref.warehouses]
            for rec in self.all(self.profile.products):
                extra = self.extras.get(rec["Ref_Key"])
                if extra is None or rec.get("IsFolder"):
                    continue
                for wh, qty in zip(warehouses, extra.stock, strict=False):
                    if qty:
                        out.append({"Номенклатура_Key": rec["Ref_Key"], "Склад_Key": wh,
                                    f"{self.profile.stock_resource}Balance": float(qty)})
            return out

    def _order_state_table(self) -> tuple[int, list[dict], dict[str, dict[str, list[dict]]]]:
        """States of the customer orders: a few rows, computed again after any write."""
        if self._order_state is None or self._order_state[0] != self.seq:
            self._order_state = (self.seq, self._order_state_rows(), {})
        return self._order_state

    def _order_state_rows(self) -> list[dict]:
        out = []
        for order in self.all(self.profile.order):
            st = self.order_status(order["Ref_Key"])
            out.append({
                "ЗаказКлиента_Key": order["Ref_Key"], "Состояние": st["state"], "СуммаДокумента": st["amount"],
                "СуммаОплаты": st["paid_amount"],
                "ПроцентОплаты": round(100.0 * st["paid_amount"] / st["amount"], 2) if st["amount"] else 0.0,
                "ДатаОплаты": st["paid_date"] or EMPTY_DATE, "Отгружен": st["shipped"],
                "ДатаОтгрузки": st["shipped_date"] or EMPTY_DATE,
            })
        return out

    # --- test helpers (admin endpoints) -------------------------------------------------------------------------

    def items(self, entity_set: str) -> list[dict]:
        return [r for r in self.all(entity_set) if not r.get("IsFolder")]

    def mutate(self, entity_set: str, percent: float | None = None, count: int | None = None) -> list[str]:
        """Change a deterministic sample of objects, as a user editing them in 1C would."""
        with self.lock:
            items = self.items(entity_set)
            if count is None:
                count = round(len(items) * (percent or 0) / 100.0)
            rng = random.Random(f"{self.options.seed}:mutate:{self.seq}")
            sample = rng.sample(items, min(count, len(items)))
            stamp = fmt_date(dt.datetime.now())
            keys = []
            for old in sample:
                rec = copy.deepcopy(old)
                if "Комментарий" in rec:
                    rec["Комментарий"] = f"Изменено {stamp}"
                if entity_set == self.profile.products:
                    extra = self.extras.get(rec["Ref_Key"])
                    if extra:
                        # A new price from today: a price-setting document writes the register's new records.
                        factor = rng.choice((0.95, 1.05, 1.1))
                        extra = seedmod.ProductExtra((round(extra.prices[0] * factor, 2),
                                                      round(extra.prices[1] * factor, 2)), extra.stock)
                        self.put(entity_set, rec, extra, period=stamp)
                    else:
                        self.put(entity_set, rec)
                else:
                    self.put(entity_set, rec)
                keys.append(rec["Ref_Key"])
            return keys

    def mark_deleted(self, entity_set: str, keys: list[str] | None = None, count: int | None = None,
                     mark: bool = True) -> list[str]:
        with self.lock:
            if keys is None:
                candidates = [r for r in self.items(entity_set) if r.get("DeletionMark") != mark]
                rng = random.Random(f"{self.options.seed}:delmark:{self.seq}")
                keys = [r["Ref_Key"] for r in rng.sample(candidates, min(count or 1, len(candidates)))]
            for key in keys:
                rec = self.copy_of(entity_set, key)
                rec["DeletionMark"] = mark
                self.put(entity_set, rec)
            return keys

    def add_products(self, count: int) -> list[str]:
        with self.lock:
            rng = random.Random(f"{self.options.seed}:add:{self.seq}")
            registry = seedmod._Registry(self.options.seed)
            keys = []
            products = self.profile.products
            for _ in range(count):
                index = self.counters[products]
                self.counters[products] += 1
                rec, extra = seedmod.product_record(self.ref, self.profile, rng, index, registry)
                self.put(products, rec, extra)
                keys.append(rec["Ref_Key"])
            return keys

    def stats(self) -> dict:
        with self.lock:
            return {
                "seq": self.seq,
                "seed_seq": self.seed_seq,
                "seed": self.options.seed,
                "profile": self.profile.name,
                "products": len(self.items(self.profile.products)),
                "entities": {name: len(rows) for name, rows in self.rows.items() if rows},
                "log_entries": len(self.log),
                "persistent": bool(self.options.data_dir),
                "pid": os.getpid(),
            }
