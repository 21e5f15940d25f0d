"""Metadata of the emulated configuration: which entity sets exist and what their properties are.

The names follow what 1C's standard OData interface publishes: `Catalog_<Имя>`, `Document_<Имя>`,
`ChartOfCharacteristicTypes_<Имя>`, `InformationRegister_<Имя>`; reference attributes get a `_Key` suffix,
composite-typed ones a companion `<name>_Type`; tabular parts are arrays of rows carrying `Ref_Key` and
`LineNumber`.  Two profiles emulate two typical configurations the company may run:

* ``ut11`` — «Управление торговлей 11»: order document `ЗаказКлиента`, units `ЕдиницыИзмерения`,
  the registry certificate (РУ) kept in additional attributes (`ДополнительныеРеквизиты`, БСП properties).
* ``unf`` — «Управление нашей фирмой»: order document `ЗаказПокупателя`, units from
  `КлассификаторЕдиницИзмерения`, the РУ stored as plain requisites added to the catalog, prices by
  `ВидЦен_Key`, stock in `AccumulationRegister_Запасы` (resource `Количество`).
* ``bp3`` — «Бухгалтерия предприятия 3»: units from `КлассификаторЕдиницИзмерения`, price types in
  `Catalog_ТипыЦенНоменклатуры` (the prices register's dimension is `ТипЦен_Key`), no manufacturers
  catalog, no additional attributes, no РУ at all, no quantitative stock register (БП keeps stock on
  accounts of the accounting register, which the emulator does not publish).

УТ 11 (from 11.4 on, and КА 2 / ERP likewise) keeps the units and packages of items in one catalog,
`УпаковкиЕдиницыИзмерения`; the item's `ЕдиницаИзмерения_Key` points there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

STRING, GUID, BOOL = "Edm.String", "Edm.Guid", "Edm.Boolean"
DOUBLE, DATE, INT64 = "Edm.Double", "Edm.DateTime", "Edm.Int64"


@dataclass(frozen=True)
class Prop:
    name: str
    edm: str = STRING
    ref: str | None = None  # target entity set of a reference attribute (name ends with _Key)
    composite: bool = False  # composite type: the value plus "<name>_Type" with the actual type name


@dataclass
class Entity:
    name: str
    kind: str  # Catalog | Document | ChartOfCharacteristicTypes | InformationRegister | AccumulationRegister
    attrs: list[Prop] = field(default_factory=list)
    tables: dict[str, list[Prop]] = field(default_factory=dict)
    hierarchical: bool = False
    has_code: bool = True
    owner: str | None = None  # subordinate catalog: Owner_Key points there
    computed: bool = False  # read-only view computed from other data (registers)

    @property
    def is_object(self) -> bool:
        return self.kind not in ("InformationRegister", "AccumulationRegister")

    def standard_head(self) -> list[Prop]:
        if not self.is_object:
            return []
        head = [Prop("Ref_Key", GUID), Prop("DataVersion"), Prop("DeletionMark", BOOL)]
        if self.kind == "Document":
            return head + [Prop("Number"), Prop("Date", DATE), Prop("Posted", BOOL)]
        if self.owner:
            head.append(Prop("Owner_Key", GUID, ref=self.owner))
        if self.hierarchical:
            head += [Prop("Parent_Key", GUID, ref=self.name), Prop("IsFolder", BOOL)]
        if self.has_code:
            head.append(Prop("Code"))
        head.append(Prop("Description"))
        return head

    def standard_tail(self) -> list[Prop]:
        if self.kind in ("Catalog", "ChartOfCharacteristicTypes"):
            return [Prop("Predefined", BOOL), Prop("PredefinedDataName")]
        return []

    def scalar_props(self) -> list[Prop]:
        """Every non-tabular property in the order 1C writes them."""
        return self.standard_head() + self.attrs + self.standard_tail()

    def prop_map(self) -> dict[str, Prop]:
        out = {p.name: p for p in self.scalar_props()}
        for p in list(out.values()):
            if p.composite:
                out[p.name + "_Type"] = Prop(p.name + "_Type")
        return out

    def row_type(self, table: str) -> str:
        return f"{self.name}_{table}_RowType"


@dataclass(frozen=True)
class Profile:
    name: str
    units: str
    order: str
    ru_in_properties: bool  # РУ as additional attributes (БСП) ...
    ru_as_requisite: bool  # ... and/or as a plain catalog requisite
    price_types: str = "Catalog_ВидыЦен"
    price_kind: str = "ВидЦены_Key"  # the price type dimension of the prices register
    stock: str | None = "AccumulationRegister_ТоварыНаСкладах"  # None: no quantitative stock register
    stock_resource: str = "ВНаличии"
    properties: bool = True  # БСП additional attributes (ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения)
    makers: bool = True  # Catalog_Производители

    @property
    def products(self) -> str:
        return "Catalog_Номенклатура"


UT_UNITS = "Catalog_УпаковкиЕдиницыИзмерения"
CLASSIFIER_UNITS = "Catalog_КлассификаторЕдиницИзмерения"
PROFILES = {
    "ut11": Profile("ut11", UT_UNITS, "Document_ЗаказКлиента", True, False),
    "unf": Profile(
        "unf",
        CLASSIFIER_UNITS,
        "Document_ЗаказПокупателя",
        False,
        True,
        price_kind="ВидЦен_Key",
        stock="AccumulationRegister_Запасы",
        stock_resource="Количество",
    ),
    "bp3": Profile(
        "bp3",
        CLASSIFIER_UNITS,
        "Document_СчетНаОплатуПокупателю",
        False,
        False,
        price_types="Catalog_ТипыЦенНоменклатуры",
        price_kind="ТипЦен_Key",
        stock=None,
        properties=False,
        makers=False,
    ),
    # A configuration in the middle of a migration: the same certificate in both places.
    "ut11-both": Profile("ut11-both", UT_UNITS, "Document_ЗаказКлиента", True, True),
}

PROPS_SET = "ChartOfCharacteristicTypes_ДополнительныеРеквизитыИСведения"
PROP_VALUES = "Catalog_ЗначенияСвойствОбъектов"
PAYMENT = "Document_ПоступлениеБезналичныхДенежныхСредств"
SHIPMENT = "Document_РеализацияТоваровУслуг"
ORDER_STATE = "InformationRegister_СостоянияЗаказовКлиентов"
PRICES = "InformationRegister_ЦеныНоменклатуры"
STOCK = "AccumulationRegister_ТоварыНаСкладах"


def build_entities(profile: Profile) -> dict[str, Entity]:
    """All entity sets published by the emulated information base, by name."""
    units = profile.units
    order = profile.order
    product_attrs = [
        Prop("Артикул"),
        Prop("НаименованиеПолное"),
        Prop("ЕдиницаИзмерения_Key", GUID, ref=units),
        *([Prop("Производитель_Key", GUID, ref="Catalog_Производители")] if profile.makers else []),
        Prop("ВидНоменклатуры_Key", GUID, ref="Catalog_ВидыНоменклатуры"),
        Prop("ТипНоменклатуры"),
        Prop("СтавкаНДС"),
        Prop("Описание"),
        Prop("Комментарий"),
    ]
    if profile.ru_as_requisite:
        product_attrs += [
            Prop("РегистрационноеУдостоверение"),
            Prop("ДатаРегистрацииРУ", DATE),
            Prop("СрокДействияРУ", DATE),
        ]
    product_tables: dict[str, list[Prop]] = {}
    if profile.ru_in_properties:
        product_tables["ДополнительныеРеквизиты"] = [
            Prop("Свойство_Key", GUID, ref=PROPS_SET),
            Prop("Значение", composite=True),
            Prop("ТекстоваяСтрока"),
        ]
    contact_info = [
        Prop("Тип"),
        Prop("Вид_Key", GUID, ref="Catalog_ВидыКонтактнойИнформации"),
        Prop("Представление"),
        Prop("Значение"),
        Prop("Страна"),
        Prop("Регион"),
        Prop("Город"),
        Prop("АдресЭП"),
        Prop("ДоменноеИмяСервера"),
        Prop("НомерТелефона"),
        Prop("НомерТелефонаБезКодов"),
    ]
    goods_row = [
        Prop("Номенклатура_Key", GUID, ref=profile.products),
        Prop("Количество", DOUBLE),
        Prop("Цена", DOUBLE),
        Prop("Сумма", DOUBLE),
        Prop("СтавкаНДС"),
        Prop("СуммаНДС", DOUBLE),
    ]
    entities = [
        Entity(profile.products, "Catalog", product_attrs, product_tables, hierarchical=True),
        Entity(units, "Catalog", [Prop("НаименованиеПолное"), Prop("МеждународноеСокращение")]),
        Entity("Catalog_Производители", "Catalog", [Prop("НаименованиеПолное"), Prop("Страна")]),
        Entity("Catalog_ВидыНоменклатуры", "Catalog", [Prop("ТипНоменклатуры")], has_code=False),
        Entity(
            PROPS_SET,
            "ChartOfCharacteristicTypes",
            [
                Prop("Заголовок"),
                Prop("Имя"),
                Prop("ТипЗначения"),
                Prop("ЭтоДополнительноеСведение", BOOL),
                Prop("Виден", BOOL),
                Prop("Доступен", BOOL),
                Prop("Комментарий"),
            ],
            has_code=False,
        ),
        Entity(PROP_VALUES, "Catalog", [Prop("Вес", DOUBLE)], owner=PROPS_SET, hierarchical=True, has_code=False),
        Entity(
            "Catalog_Контрагенты",
            "Catalog",
            [
                Prop("НаименованиеПолное"),
                Prop("ИНН"),
                Prop("КПП"),
                Prop("КодПоОКПО"),
                Prop("ОГРН"),
                Prop("ЮридическоеФизическоеЛицо"),
                Prop("Комментарий"),
            ],
            {"КонтактнаяИнформация": contact_info},
            hierarchical=True,
        ),
        Entity(
            "Catalog_КонтактныеЛица",
            "Catalog",
            [Prop("Фамилия"), Prop("Имя"), Prop("Отчество"), Prop("Должность")],
            {"КонтактнаяИнформация": contact_info},
            owner="Catalog_Контрагенты",
        ),
        Entity(
            "Catalog_ВидыКонтактнойИнформации",
            "Catalog",
            [Prop("Тип"), Prop("Наименование")],
            has_code=False,
        ),
        Entity("Catalog_Организации", "Catalog", [Prop("НаименованиеПолное"), Prop("ИНН"), Prop("КПП")]),
        Entity("Catalog_Склады", "Catalog", [Prop("ТипСклада")]),
        Entity(profile.price_types, "Catalog", [Prop("ВалютаЦены"), Prop("ЦенаВключаетНДС", BOOL)]),
        Entity(
            order,
            "Document",
            [
                Prop("Организация_Key", GUID, ref="Catalog_Организации"),
                Prop("Контрагент_Key", GUID, ref="Catalog_Контрагенты"),
                Prop("Склад_Key", GUID, ref="Catalog_Склады"),
                Prop("Статус"),
                Prop("НомерПоДаннымКлиента"),
                Prop("ДатаПоДаннымКлиента", DATE),
                Prop("ЖелаемаяДатаОтгрузки", DATE),
                Prop("ВалютаДокумента"),
                Prop("СуммаДокумента", DOUBLE),
                Prop("Комментарий"),
            ],
            {"Товары": goods_row},
        ),
        Entity(
            PAYMENT,
            "Document",
            [
                Prop("Организация_Key", GUID, ref="Catalog_Организации"),
                Prop("Контрагент_Key", GUID, ref="Catalog_Контрагенты"),
                Prop("ДокументОснование", composite=True),
                Prop("СуммаДокумента", DOUBLE),
                Prop("НомерВходящегоДокумента"),
                Prop("НазначениеПлатежа"),
                Prop("Комментарий"),
            ],
        ),
        Entity(
            SHIPMENT,
            "Document",
            [
                Prop("Организация_Key", GUID, ref="Catalog_Организации"),
                Prop("Контрагент_Key", GUID, ref="Catalog_Контрагенты"),
                Prop("Склад_Key", GUID, ref="Catalog_Склады"),
                Prop("ЗаказКлиента", composite=True),
                Prop("СуммаДокумента", DOUBLE),
                Prop("Комментарий"),
            ],
            {"Товары": goods_row},
        ),
        Entity(
            ORDER_STATE,
            "InformationRegister",
            [
                Prop("ЗаказКлиента_Key", GUID, ref=order),
                Prop("Состояние"),
                Prop("СуммаДокумента", DOUBLE),
                Prop("СуммаОплаты", DOUBLE),
                Prop("ПроцентОплаты", DOUBLE),
                Prop("ДатаОплаты", DATE),
                Prop("Отгружен", BOOL),
                Prop("ДатаОтгрузки", DATE),
            ],
            computed=True,
        ),
        Entity(
            PRICES,
            "InformationRegister",
            [
                Prop("Period", DATE),
                Prop(profile.price_kind, GUID, ref=profile.price_types),
                Prop("Номенклатура_Key", GUID, ref=profile.products),
                Prop("Цена", DOUBLE),
                Prop("Валюта"),
            ],
            computed=True,
        ),
        # Balances are read through the virtual table `.../Balance()`, whose resources get a "Balance" suffix.
        Entity(
            profile.stock or STOCK,
            "AccumulationRegister",
            [
                Prop("Номенклатура_Key", GUID, ref=profile.products),
                Prop("Склад_Key", GUID, ref="Catalog_Склады"),
                Prop(profile.stock_resource, DOUBLE),
            ],
            computed=True,
        ),
    ]
    absent = set()
    if not profile.stock:
        absent.add(STOCK)
    if not profile.makers:
        absent.add("Catalog_Производители")
    if not profile.properties:
        absent |= {PROPS_SET, PROP_VALUES}
    return {e.name: e for e in entities if e.name not in absent}
