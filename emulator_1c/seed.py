"""Deterministic seed data: a Russian medical-goods catalogue, clients and reference catalogs.

Everything derives from one integer seed through string-seeded ``random.Random`` streams (those are
stable across Python runs), split by purpose so that asking for more products does not change the
clients, and asking for different clients does not change the products.

Products come from :func:`iter_products`, a generator: the CommerceML writer can stream a million of
them to disk without holding any, and the store keeps only what it serves.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import catalog_data as cd
from .schema import PROP_VALUES, PROPS_SET, Profile
from .util import EMPTY_REF, fmt_date, make_inn, make_kpp, make_ogrn, new_guid

SEED_DATE = dt.datetime(2024, 1, 15, 9, 0, 0)  # "today" of the seed: fixed, so the data never drifts


def catalog_record(ref: str, description: str, code: str | None = None, **extra) -> dict:
    rec = {"Ref_Key": ref, "DataVersion": "", "DeletionMark": False}
    for name in ("Owner_Key", "Parent_Key", "IsFolder"):
        if name in extra:
            rec[name] = extra.pop(name)
    if code is not None:
        rec["Code"] = code
    rec["Description"] = description
    rec.update(extra)
    rec.setdefault("Predefined", False)
    rec.setdefault("PredefinedDataName", "")
    return rec


@dataclass
class Spec:
    """One concrete device (template + parameters); its makers' products are analogues of each other."""

    template: int
    params: dict
    analogue_key: str
    code: str


@dataclass
class Reference:
    """Everything but the products: small catalogs the products and documents point to."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    unit_by_code: dict[str, dict] = field(default_factory=dict)
    maker_key: dict[str, str] = field(default_factory=dict)
    kind_keys: list[str] = field(default_factory=list)
    prop_key: dict[str, str] = field(default_factory=dict)
    group_key: dict[str, str] = field(default_factory=dict)  # subgroup/top name -> folder Ref_Key
    group_records: list[dict] = field(default_factory=list)
    specs: list[list[Spec]] = field(default_factory=list)  # per template
    warehouses: list[dict] = field(default_factory=list)
    price_types: list[dict] = field(default_factory=list)
    organization: dict = field(default_factory=dict)
    seed: int = 0

    def add(self, entity_set: str, rec: dict) -> dict:
        self.records.setdefault(entity_set, []).append(rec)
        return rec


PROPERTY_DEFS = [
    # name, title, value type (1C type name), comment
    ("РегистрационноеУдостоверение", "Регистрационное удостоверение (РУ)", "Строка",
     "Номер РУ Росздравнадзора: РЗН ГГГГ/NNNN или ФСЗ ГГГГ/NNNNN"),
    ("ДатаРегистрацииРУ", "Дата регистрации РУ", "Дата", ""),
    ("СрокДействияРУ", "Срок действия РУ", "Дата", "Не заполнен — РУ бессрочное"),
    ("СобственноеПроизводство", "Собственное производство", "Булево", ""),
    ("ГруппаАналогов", "Группа аналогов", "СправочникСсылка.ЗначенияСвойствОбъектов",
     "Одно изделие разных производителей"),
]


def build_reference(seed: int, profile: Profile) -> Reference:
    rng = random.Random(f"{seed}:reference")
    ref = Reference(seed=seed)

    for code, short, full, intl in cd.UNITS:
        rec = ref.add(profile.units, catalog_record(new_guid(rng), short, code, НаименованиеПолное=full,
                                                    МеждународноеСокращение=intl))
        ref.unit_by_code[code] = rec

    for i, (name, (full, country, _imp)) in enumerate(cd.MAKERS.items(), 1):
        rec = ref.add("Catalog_Производители", catalog_record(new_guid(rng), name, f"{i:09d}",
                                                               НаименованиеПолное=full, Страна=country))
        ref.maker_key[name] = rec["Ref_Key"]

    for name in cd.KINDS:
        rec = ref.add("Catalog_ВидыНоменклатуры", catalog_record(new_guid(rng), name, ТипНоменклатуры="Товар"))
        ref.kind_keys.append(rec["Ref_Key"])

    for name, title, vtype, comment in PROPERTY_DEFS:
        rec = ref.add(PROPS_SET, catalog_record(
            new_guid(rng), f"{title} (Номенклатура)", Parent_Key=EMPTY_REF, IsFolder=False, Заголовок=title, Имя=name,
            ТипЗначения=vtype, ЭтоДополнительноеСведение=False, Виден=True, Доступен=True, Комментарий=comment))
        ref.prop_key[name] = rec["Ref_Key"]

    # Analogue groups: one value of the "ГруппаАналогов" property per spec, numbered like 1C codes.
    counter = itertools.count(1)
    for t, tpl in enumerate(cd.TEMPLATES):
        names = list(tpl["params"])
        specs = []
        for combo in itertools.product(*(tpl["params"][n] for n in names)):
            params = dict(zip(names, combo, strict=True))
            code = f"АН-{next(counter):05d}"
            rec = ref.add(PROP_VALUES, catalog_record(
                new_guid(rng), f"{code} {tpl['name'].format(**params)}", Owner_Key=ref.prop_key["ГруппаАналогов"],
                Parent_Key=EMPTY_REF, IsFolder=False, Вес=0))
            specs.append(Spec(t, params, rec["Ref_Key"], code))
        ref.specs.append(specs)

    # Product folders live in the products catalog itself (IsFolder = true), codes from the same sequence.
    code_no = itertools.count(1)
    for top, subs in cd.GROUPS:
        top_rec = catalog_record(new_guid(rng), top, f"00-{next(code_no):08d}", Parent_Key=EMPTY_REF, IsFolder=True)
        ref.group_records.append(top_rec)
        ref.group_key[top] = top_rec["Ref_Key"]
        for sub in subs:
            sub_rec = catalog_record(new_guid(rng), sub, f"00-{next(code_no):08d}", Parent_Key=top_rec["Ref_Key"],
                                     IsFolder=True)
            ref.group_records.append(sub_rec)
            ref.group_key[sub] = sub_rec["Ref_Key"]

    for i, (name, kind) in enumerate([("Основной склад (Москва)", "Оптовый"), ("Склад Подольск", "Оптовый")], 1):
        ref.warehouses.append(ref.add("Catalog_Склады", catalog_record(new_guid(rng), name, f"{i:09d}",
                                                                         ТипСклада=kind)))
    for i, (name, vat) in enumerate([("Оптовая", False), ("Розничная", True)], 1):
        ref.price_types.append(ref.add(profile.price_types, catalog_record(new_guid(rng), name, f"{i:09d}",
                                                                           ВалютаЦены="RUB", ЦенаВключаетНДС=vat)))

    own_inn = make_inn(rng, "77")
    ref.organization = ref.add("Catalog_Организации", catalog_record(
        new_guid(rng), "МедКомплект", "000000001", НаименованиеПолное="Общество с ограниченной ответственностью "
        "«МедКомплект»", ИНН=own_inn, КПП=make_kpp(own_inn)))

    ci_kinds = {}
    for pname, descr, ctype in [
        ("ЮрАдресКонтрагента", "Юридический адрес", "Адрес"),
        ("ФактАдресКонтрагента", "Фактический адрес", "Адрес"),
        ("ТелефонКонтрагента", "Телефон", "Телефон"),
        ("EmailКонтрагенты", "Адрес электронной почты", "АдресЭлектроннойПочты"),
        ("ТелефонКонтактногоЛица", "Телефон контактного лица", "Телефон"),
        ("EmailКонтактногоЛица", "Email контактного лица", "АдресЭлектроннойПочты"),
    ]:
        rec = ref.add("Catalog_ВидыКонтактнойИнформации", catalog_record(
            new_guid(rng), descr, Тип=ctype, Наименование=descr, Predefined=True, PredefinedDataName=pname))
        ci_kinds[pname] = rec["Ref_Key"]

    _build_clients(ref, rng, ci_kinds)
    return ref


def contact_row(ref_key: str, line: int, ctype: str, kind_key: str, text: str) -> dict:
    """A row of the КонтактнаяИнформация tabular part (the БСП layout)."""
    row = {"Ref_Key": ref_key, "LineNumber": str(line), "Тип": ctype, "Вид_Key": kind_key, "Представление": text,
           "Значение": "", "Страна": "", "Регион": "", "Город": "", "АдресЭП": "", "ДоменноеИмяСервера": "",
           "НомерТелефона": "", "НомерТелефонаБезКодов": ""}
    if ctype == "Адрес":
        row["Страна"] = "РОССИЯ"
        parts = [p.strip() for p in text.split(",")]
        row["Город"] = next((p for p in parts if p.startswith("г. ")), "")
        row["Регион"] = parts[1] if len(parts) > 2 and not parts[1].startswith("г. ") else row["Город"]
    elif ctype == "АдресЭлектроннойПочты":
        row["АдресЭП"] = text
        row["ДоменноеИмяСервера"] = text.split("@", 1)[-1]
    elif ctype == "Телефон":
        row["НомерТелефона"] = text
        row["НомерТелефонаБезКодов"] = text[-9:].replace("-", "")
    return row


def _build_clients(ref: Reference, rng: random.Random, ci_kinds: dict[str, str]) -> None:
    clients_folder = catalog_record(new_guid(rng), "Покупатели", "000000001", Parent_Key=EMPTY_REF, IsFolder=True,
                                    НаименованиеПолное="", ИНН="", КПП="", КодПоОКПО="", ОГРН="",
                                    ЮридическоеФизическоеЛицо="", Комментарий="", КонтактнаяИнформация=[])
    ref.add("Catalog_Контрагенты", clients_folder)
    person_no = itertools.count(1)
    for i, (kind, short, full, region, address) in enumerate(cd.CLIENTS, 2):
        key = new_guid(rng)
        individual = kind == "ip"
        inn = make_inn(rng, region, individual=individual)
        kpp = "" if individual else make_kpp(inn)
        slug = f"client{i:02d}"
        phone = f"+7 ({cd.REGION_CITY_CODE.get(region, '495')}) {rng.randint(200, 999)}-{rng.randint(10, 99)}-" \
                f"{rng.randint(10, 99)}"
        email = f"zakupki@{slug}.example"
        contacts = [
            contact_row(key, 1, "Адрес", ci_kinds["ЮрАдресКонтрагента"], address),
            contact_row(key, 2, "Адрес", ci_kinds["ФактАдресКонтрагента"], address),
            contact_row(key, 3, "Телефон", ci_kinds["ТелефонКонтрагента"], phone),
            contact_row(key, 4, "АдресЭлектроннойПочты", ci_kinds["EmailКонтрагенты"], email),
        ]
        ref.add("Catalog_Контрагенты", catalog_record(
            key, short, f"{i:09d}", Parent_Key=clients_folder["Ref_Key"], IsFolder=False, НаименованиеПолное=full,
            ИНН=inn, КПП=kpp, КодПоОКПО=f"{rng.randint(10000000, 99999999)}",
            ОГРН=make_ogrn(rng, region) if not individual else "",
            ЮридическоеФизическоеЛицо="ФизическоеЛицо" if individual else "ЮридическоеЛицо",
            Комментарий="", КонтактнаяИнформация=contacts))
        for _ in range(1 if individual else rng.randint(1, 2)):
            female = rng.random() < 0.6
            last = rng.choice(cd.LAST_NAMES)[1 if female else 0]
            first, middle = rng.choice(cd.FEMALE_NAMES if female else cd.MALE_NAMES)
            if not female:
                middle = middle  # patronymic already in the male form
            pkey = new_guid(rng)
            pphone = f"+7 (9{rng.randint(10, 99)}) {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
            pmail = f"{rng.choice(['zakup', 'apteka', 'snab', 'tender'])}{next(person_no)}@{slug}.example"
            ref.add("Catalog_КонтактныеЛица", catalog_record(
                pkey, f"{last} {first} {middle}", f"{next(person_no):09d}", Owner_Key=key, Фамилия=last, Имя=first,
                Отчество=middle, Должность=rng.choice(cd.POSITIONS), КонтактнаяИнформация=[
                    contact_row(pkey, 1, "Телефон", ci_kinds["ТелефонКонтактногоЛица"], pphone),
                    contact_row(pkey, 2, "АдресЭлектроннойПочты", ci_kinds["EmailКонтактногоЛица"], pmail)]))


@dataclass
class ProductExtra:
    """What 1C keeps in registers rather than in the catalog: prices and stock."""

    prices: tuple[float, float]  # wholesale, retail (RUB)
    stock: tuple[int, int]  # per warehouse


class _Registry:
    """Registry certificates (РУ): one per device family and manufacturer, shared by all its sizes."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.cache: dict[tuple[int, str], tuple[str, dt.date, dt.date | None]] = {}

    def get(self, template: int, maker: str) -> tuple[str, dt.date, dt.date | None]:
        key = (template, maker)
        hit = self.cache.get(key)
        if hit:
            return hit
        rng = random.Random(f"{self.seed}:ru:{template}:{maker}")
        importer = cd.MAKERS[maker][2]
        if importer and rng.random() < 0.6:
            year = rng.randint(2008, 2013)  # ФСЗ numbers were issued to imported devices until 2013
            number = f"ФСЗ {year}/{rng.randint(1000, 14999):05d}"
        else:
            year = rng.randint(2012, 2023)
            number = f"РЗН {year}/{rng.randint(1000, 19999)}"
        issued = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        # Most certificates issued after 2012 are unlimited; some carry a term, and some of those expired.
        valid_to = None
        if rng.random() < 0.35:
            valid_to = dt.date(issued.year + rng.randint(3, 10), issued.month, issued.day)
        hit = (number, issued, valid_to)
        self.cache[key] = hit
        return hit


def product_record(ref: Reference, profile: Profile, rng: random.Random, index: int, registry: _Registry,
                   code: str | None = None) -> tuple[dict, ProductExtra]:
    t = rng.randrange(len(cd.TEMPLATES))
    tpl = cd.TEMPLATES[t]
    specs = ref.specs[t]
    spec = specs[rng.randrange(len(specs))]
    maker = rng.choice(tpl["makers"])
    maker_full = cd.MAKERS[maker][0]
    key = new_guid(rng)
    name = tpl["name"].format(**spec.params)
    description = name if maker == cd.OWN_MAKER else f"{name} ({maker})"
    low, high = tpl["price"]
    wholesale = round(rng.uniform(low, high), 2)
    retail = round(wholesale * 1.25, 2)
    stock = (rng.choice((0, rng.randint(1, 40), rng.randint(10, 900))), rng.choice((0, rng.randint(1, 300))))
    ru, issued, valid_to = registry.get(t, maker)
    rec = {
        "Ref_Key": key, "DataVersion": "", "DeletionMark": False,
        "Parent_Key": ref.group_key[tpl["sub"]], "IsFolder": False,
        "Code": code or f"00-{index + 100:08d}",
        "Description": description,
        "Артикул": f"{tpl['art']}-{spec.code[3:]}-{index + 1:06d}",
        "НаименованиеПолное": f"{tpl['full'].format(**spec.params)}. Производитель: {maker_full}",
        "ЕдиницаИзмерения_Key": ref.unit_by_code[tpl["unit"]]["Ref_Key"],
        **({"Производитель_Key": ref.maker_key[maker]} if profile.makers else {}),
        "ВидНоменклатуры_Key": ref.kind_keys[tpl["kind"]],
        "ТипНоменклатуры": "Товар",
        "СтавкаНДС": tpl["vat"],
        "Описание": "",
        "Комментарий": "",
    }
    if profile.ru_as_requisite:
        rec["РегистрационноеУдостоверение"] = ru
        rec["ДатаРегистрацииРУ"] = fmt_date(issued)
        rec["СрокДействияРУ"] = fmt_date(valid_to) if valid_to else "0001-01-01T00:00:00"
    if profile.ru_in_properties:
        p = ref.prop_key
        rows = [
            (p["РегистрационноеУдостоверение"], ru, "Edm.String"),
            (p["ДатаРегистрацииРУ"], fmt_date(issued), "Edm.DateTime"),
        ]
        if valid_to:
            rows.append((p["СрокДействияРУ"], fmt_date(valid_to), "Edm.DateTime"))
        rows.append((p["СобственноеПроизводство"], maker == cd.OWN_MAKER, "Edm.Boolean"))
        rows.append((p["ГруппаАналогов"], spec.analogue_key, f"StandardODATA.{PROP_VALUES}"))
        rec["ДополнительныеРеквизиты"] = [
            {"Ref_Key": key, "LineNumber": str(n), "Свойство_Key": prop, "Значение": value, "Значение_Type": vtype,
             "ТекстоваяСтрока": ""}
            for n, (prop, value, vtype) in enumerate(rows, 1)
        ]
    rec["Predefined"] = False
    rec["PredefinedDataName"] = ""
    return rec, ProductExtra((wholesale, retail), stock)


def iter_products(ref: Reference, profile: Profile, count: int, start: int = 0,
                  stream: str = "products") -> Iterator[tuple[dict, ProductExtra]]:
    """Yield ``count`` products; the same seed and stream always give the same products."""
    rng = random.Random(f"{ref.seed}:{stream}")
    registry = _Registry(ref.seed)
    for index in range(start, start + count):
        yield product_record(ref, profile, rng, index, registry)


def analogue_info(ref: Reference) -> dict[str, str]:
    """Analogue group value key -> its code, for writers that want a compact label."""
    return {s.analogue_key: s.code for specs in ref.specs for s in specs}
