from odoo import api, fields, models

# What each 1C configuration calls things. A preset fills a connection; every line stays editable, since
# real bases are customised. Sources of kind "property" name an additional attribute (БСП
# ДополнительныеРеквизиты) by its Имя or Заголовок; alternatives are separated by "|" (the CommerceML
# files carry the title, OData the name).
#
# What each configuration publishes over OData (checked against real $metadata samples, see the README):
# * УТ 11 (11.4+) and КА 2: units and packages in Catalog_УпаковкиЕдиницыИзмерения (the item's
#   ЕдиницаИзмерения_Key points there, Code = ОКЕИ code); price types Catalog_ВидыЦен, prices register dimension
#   ВидЦены_Key; stock AccumulationRegister_ТоварыНаСкладах (ВНаличии); the РУ as additional attributes.
# * УНФ: units Catalog_КлассификаторЕдиницИзмерения; price types Catalog_ВидыЦен, dimension ВидЦен_Key;
#   stock AccumulationRegister_Запасы (Количество).
# * БП 3: units Catalog_КлассификаторЕдиницИзмерения; price types Catalog_ТипыЦенНоменклатуры, dimension ТипЦен_Key;
#   no manufacturers catalog, no РУ requisite, stock only on accounts (AccountingRegister_Хозрасчетный): not read.
PRESETS = {
    "ut11": {
        "label": "1C:Управление торговлей 11",
        "sets": {
            "products_set": "Catalog_Номенклатура",
            "units_set": "Catalog_УпаковкиЕдиницыИзмерения",
            "makers_set": "Catalog_Производители",
            "partners_set": "Catalog_Контрагенты",
            "contacts_set": "Catalog_КонтактныеЛица",
            "prices_set": "InformationRegister_ЦеныНоменклатуры",
            "price_types_set": "Catalog_ВидыЦен",
            "price_kind_prop": "ВидЦены_Key",
            "stock_set": "AccumulationRegister_ТоварыНаСкладах",
            "stock_resource": "ВНаличии",
            "orders_set": "Document_ЗаказКлиента",
        },
        "product": {
            "code": ("requisite", "Code"),
            "article": ("requisite", "Артикул"),
            "name": ("requisite", "Description"),
            "full_name": ("requisite", "НаименованиеПолное|Полное наименование"),
            "unit": ("requisite", "ЕдиницаИзмерения_Key"),
            "manufacturer": ("requisite", "Производитель_Key"),
            "registry_code": (
                "property",
                "РегистрационноеУдостоверение|Регистрационное удостоверение (РУ)|Регистрационное удостоверение",
            ),
            "registry_date": ("property", "ДатаРегистрацииРУ|Дата регистрации РУ"),
            "registry_valid_until": ("property", "СрокДействияРУ|Срок действия РУ"),
            "own_production": ("property", "СобственноеПроизводство|Собственное производство"),
            "analogue_group": ("property", "ГруппаАналогов|Группа аналогов"),
        },
        "partner": {
            "full_name": ("requisite", "НаименованиеПолное"),
            "inn": ("requisite", "ИНН"),
            "kpp": ("requisite", "КПП"),
        },
    },
}
# КА 2 shares УТ 11's objects; УНФ and БП 3 keep units in the classifier and have no additional-attribute
# habit for the РУ: it is usually added to the catalog as requisites.
PRESETS["ka2"] = dict(PRESETS["ut11"], label="1C:Комплексная автоматизация 2")
PRESETS["unf"] = {
    "label": "1C:Управление нашей фирмой",
    "sets": dict(
        PRESETS["ut11"]["sets"],
        units_set="Catalog_КлассификаторЕдиницИзмерения",
        orders_set="Document_ЗаказПокупателя",
        price_kind_prop="ВидЦен_Key",
        stock_set="AccumulationRegister_Запасы",
        stock_resource="Количество",
    ),
    "product": dict(
        PRESETS["ut11"]["product"],
        registry_code=("requisite", "РегистрационноеУдостоверение|Регистрационное удостоверение"),
        registry_date=("requisite", "ДатаРегистрацииРУ|Дата регистрации РУ"),
        registry_valid_until=("requisite", "СрокДействияРУ|Срок действия РУ"),
        own_production=("none", ""),
        analogue_group=("none", ""),
    ),
    "partner": PRESETS["ut11"]["partner"],
}
PRESETS["bp3"] = dict(
    PRESETS["unf"],
    label="1C:Бухгалтерия предприятия 3",
    sets=dict(
        PRESETS["unf"]["sets"],
        orders_set="Document_СчетНаОплатуПокупателю",
        price_types_set="Catalog_ТипыЦенНоменклатуры",
        price_kind_prop="ТипЦен_Key",
        stock_set="",
        stock_resource="",
    ),
    product=dict(
        PRESETS["unf"]["product"],
        manufacturer=("none", ""),
        registry_code=("none", ""),
        registry_date=("none", ""),
        registry_valid_until=("none", ""),
    ),
)


class MedcrmOnecFieldMapping(models.Model):
    """Where a CRM field takes its value in 1C: a requisite of the catalog or an additional attribute."""

    _name = "medcrm.1c.field.mapping"
    _description = "1C field mapping"
    _order = "connection_id, entity, sequence, id"

    connection_id = fields.Many2one("medcrm.1c.connection", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    entity = fields.Selection([("product", "Product"), ("partner", "Counterparty")], required=True)
    target = fields.Selection(
        [
            ("code", "Code"),
            ("article", "Article"),
            ("name", "Name"),
            ("full_name", "Full name"),
            ("unit", "Unit of measure"),
            ("manufacturer", "Manufacturer"),
            ("registry_code", "Registration certificate"),
            ("registry_date", "Certificate issued on"),
            ("registry_valid_until", "Certificate valid until"),
            ("own_production", "Own production"),
            ("analogue_group", "Analogue group"),
            ("inn", "INN"),
            ("kpp", "KPP"),
        ],
        string="CRM field",
        required=True,
    )
    source_kind = fields.Selection(
        [("requisite", "Requisite"), ("property", "Additional attribute"), ("none", "Not exchanged")],
        string="Kind in 1C",
        required=True,
        default="requisite",
    )
    source = fields.Char(
        string="Name in 1C",
        help="Name of the requisite (e.g. Артикул, Производитель_Key) or of the additional attribute "
        "(its Имя or Заголовок, e.g. РегистрационноеУдостоверение). Alternatives are separated by '|'.",
    )

    _sql_constraints = [
        ("target_uniq", "unique(connection_id, entity, target)", "Each CRM field is mapped once per connection."),
    ]

    @api.model
    def _medcrm_1c_preset_lines(self, preset):
        lines = []
        for entity in ("product", "partner"):
            for sequence, (target, (kind, source)) in enumerate(PRESETS[preset][entity].items(), 1):
                lines.append(
                    {"entity": entity, "target": target, "source_kind": kind, "source": source, "sequence": sequence}
                )
        return lines
