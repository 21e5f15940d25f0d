"""The MedcrmExchange SOAP web service (see wsdl/medcrm_exchange.wsdl), parsed and answered with lxml.

Requests are parsed with a hardened parser (no DTDs, no entity expansion, no network), so a hostile
envelope cannot read files or blow up memory.  Input errors become SOAP faults (``Client``/``Sender``),
as 1C raises them from a web-service module with ``ВызватьИсключение``; the HTTP status is 500, as with
1C.  Both SOAP 1.1 and 1.2 envelopes are understood, and answered in the version they came in.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lxml import etree

from .odata import OData
from .seed import contact_row
from .store import NotFound, Store
from .util import EMPTY_DATE, inn_is_valid, is_guid, parse_date
from .web import ODataError, Response

TNS = "http://medcrm.ru/exchange"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSDL_PATH = Path(__file__).parent / "wsdl" / "medcrm_exchange.wsdl"
MAX_BODY = 5 * 1024 * 1024

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                          remove_comments=True, remove_pis=True)


class SoapFault(Exception):
    def __init__(self, message: str, client: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.client = client


def wsdl_document(location: str) -> bytes:
    """The contract with soap:address pointing at the emulator itself, as 1C does for its publication."""
    text = WSDL_PATH.read_text("utf-8")
    text = re.sub(r'location="[^"]*"', f'location="{location}"', text)
    return text.encode("utf-8")


def _q(name: str) -> str:
    return f"{{{TNS}}}{name}"


def _text(parent: etree._Element, name: str, required: bool = True) -> str:
    el = parent.find(_q(name))
    if el is None or (el.text or "").strip() == "":
        if required:
            raise SoapFault(f"Не заполнен обязательный параметр {name}")
        return ""
    return el.text.strip()


def _decimal(value: str, name: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as err:
        raise SoapFault(f"Параметр {name}: ожидалось число, получено '{value}'") from err


class SoapService:
    def __init__(self, store: Store, odata: OData) -> None:
        self.store = store
        self.odata = odata
        self.operations = {
            "CreateCounterparty": self.create_counterparty,
            "CreateCustomerOrder": self.create_customer_order,
            "GetOrderStatus": self.get_order_status,
            "GetChanges": self.get_changes,
        }

    # --- envelope -------------------------------------------------------------------------------------------

    def handle(self, body: bytes) -> Response:
        soap_ns = SOAP11
        try:
            if len(body) > MAX_BODY:
                raise SoapFault("Слишком большой запрос")
            try:
                root = etree.fromstring(body, _PARSER)
            except etree.XMLSyntaxError as err:
                raise SoapFault(f"Ошибка разбора XML: {err}") from err
            if root.getroottree().docinfo.doctype:
                raise SoapFault("DTD в запросе не допускается")
            if root.tag not in (f"{{{SOAP11}}}Envelope", f"{{{SOAP12}}}Envelope"):
                raise SoapFault("Ожидался конверт SOAP (Envelope)")
            soap_ns = etree.QName(root).namespace
            body_el = root.find(f"{{{soap_ns}}}Body")
            if body_el is None or len(body_el) == 0:
                raise SoapFault("Пустое тело SOAP (Body)")
            request = body_el[0]
            qname = etree.QName(request)
            if qname.namespace != TNS or qname.localname not in self.operations:
                raise SoapFault(f"Неизвестная операция {qname.localname} ({qname.namespace})")
            result = self.operations[qname.localname](request)
            return self._envelope(soap_ns, result, 200)
        except SoapFault as fault:
            return self._fault(soap_ns, fault)
        except ODataError as err:
            return self._fault(soap_ns, SoapFault(err.message))

    @staticmethod
    def _content_type(soap_ns: str) -> str:
        return "application/soap+xml;charset=utf-8" if soap_ns == SOAP12 else "text/xml;charset=utf-8"

    def _envelope(self, soap_ns: str, payload: etree._Element, status: int) -> Response:
        env = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"soap": soap_ns})
        etree.SubElement(env, f"{{{soap_ns}}}Header")
        body = etree.SubElement(env, f"{{{soap_ns}}}Body")
        body.append(payload)
        data = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
        return Response(status, data, self._content_type(soap_ns), kind="xml")

    def _fault(self, soap_ns: str, fault: SoapFault) -> Response:
        env = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"soap": soap_ns})
        body = etree.SubElement(env, f"{{{soap_ns}}}Body")
        el = etree.SubElement(body, f"{{{soap_ns}}}Fault")
        if soap_ns == SOAP12:
            code = etree.SubElement(etree.SubElement(el, f"{{{soap_ns}}}Code"), f"{{{soap_ns}}}Value")
            code.text = "soap:Sender" if fault.client else "soap:Receiver"
            reason = etree.SubElement(etree.SubElement(el, f"{{{soap_ns}}}Reason"), f"{{{soap_ns}}}Text")
            reason.set("{http://www.w3.org/XML/1998/namespace}lang", "ru")
            reason.text = fault.message
        else:
            etree.SubElement(el, "faultcode").text = "soap:Client" if fault.client else "soap:Server"
            etree.SubElement(el, "faultstring").text = fault.message
        data = etree.tostring(env, xml_declaration=True, encoding="UTF-8")
        return Response(500, data, self._content_type(soap_ns), kind="xml")

    @staticmethod
    def _result(operation: str, fields: list[tuple[str, object]]) -> etree._Element:
        resp = etree.Element(_q(f"{operation}Response"), nsmap={"m": TNS, "xsi": XSI})
        ret = etree.SubElement(resp, _q("return"))
        SoapService._fill(ret, fields)
        return resp

    @staticmethod
    def _fill(parent: etree._Element, fields: list[tuple[str, object]]) -> None:
        for name, value in fields:
            el = etree.SubElement(parent, _q(name))
            if value is None:
                el.set(f"{{{XSI}}}nil", "true")
            elif isinstance(value, bool):
                el.text = "true" if value else "false"
            elif isinstance(value, list):
                SoapService._fill(el, value)
            else:
                el.text = str(value)

    # --- operations ------------------------------------------------------------------------------------------

    def create_counterparty(self, req: etree._Element) -> etree._Element:
        inn = _text(req, "INN")
        kpp = _text(req, "KPP", required=False)
        name = _text(req, "Name")
        if not inn_is_valid(inn):
            raise SoapFault(f"Некорректный ИНН «{inn}»: неверная длина или контрольное число")
        if len(inn) == 10 and not re.fullmatch(r"\d{9}", kpp or ""):
            raise SoapFault("Для юридического лица КПП обязателен и должен состоять из 9 цифр")
        if len(inn) == 12 and kpp:
            raise SoapFault("У индивидуального предпринимателя (ИНН из 12 цифр) нет КПП")
        with self.store.lock:
            existing = self.store.find_counterparty(inn, kpp)
            if existing:
                return self._result("CreateCounterparty", [("Ref", existing["Ref_Key"]), ("Code", existing["Code"]),
                                                           ("Created", False)])
            entity = self.store.entities["Catalog_Контрагенты"]
            folder = next((r["Ref_Key"] for r in self.store.all(entity.name) if r.get("IsFolder")), None)
            data = {"Description": name, "НаименованиеПолное": _text(req, "FullName", required=False) or name,
                    "ИНН": inn, "КПП": kpp,
                    "ЮридическоеФизическоеЛицо": "ЮридическоеЛицо" if len(inn) == 10 else "ФизическоеЛицо"}
            if folder:
                data["Parent_Key"] = folder
            rec = self.odata.new_record(entity, data)
            kinds = {r["PredefinedDataName"]: r["Ref_Key"] for r in self.store.all("Catalog_ВидыКонтактнойИнформации")}
            rows = []
            for field, ctype, kind in (("Address", "Адрес", "ЮрАдресКонтрагента"),
                                       ("Phone", "Телефон", "ТелефонКонтрагента"),
                                       ("Email", "АдресЭлектроннойПочты", "EmailКонтрагенты")):
                value = _text(req, field, required=False)
                if value:
                    rows.append(contact_row(rec["Ref_Key"], len(rows) + 1, ctype, kinds.get(kind, ""), value))
            rec["КонтактнаяИнформация"] = rows
            rec = self.store.put(entity.name, rec)
        return self._result("CreateCounterparty", [("Ref", rec["Ref_Key"]), ("Code", rec["Code"]), ("Created", True)])

    def create_customer_order(self, req: etree._Element) -> etree._Element:
        need = _text(req, "NeedNumber")
        cp_ref = _text(req, "CounterpartyRef").lower()
        date_raw = _text(req, "Date")
        comment = _text(req, "Comment", required=False)
        order_ref = (_text(req, "OrderRef", required=False) or "").lower()
        if order_ref and not is_guid(order_ref):
            raise SoapFault(f"Неверный формат ссылки на заказ: '{order_ref}'")
        if not is_guid(cp_ref):
            raise SoapFault(f"Неверный формат ссылки на контрагента: '{cp_ref}'")
        try:
            date = parse_date(date_raw).isoformat(timespec="seconds")
        except ValueError as err:
            raise SoapFault(f"Неверный формат даты: '{date_raw}'") from err
        lines_el = req.find(_q("Lines"))
        lines = [] if lines_el is None else lines_el.findall(_q("Line"))
        if not lines:
            raise SoapFault("Заказ должен содержать хотя бы одну строку")
        products = self.store.profile.products
        goods = []
        for n, line in enumerate(lines, 1):
            ref = _text(line, "ProductRef").lower()
            qty = _decimal(_text(line, "Quantity"), f"Line[{n}].Quantity")
            price = _decimal(_text(line, "Price"), f"Line[{n}].Price")
            if not is_guid(ref):
                raise SoapFault(f"Строка {n}: неверный формат ссылки на номенклатуру '{ref}'")
            item = self.store.get(products, ref)
            if item is None or item.get("IsFolder"):
                raise SoapFault(f"Строка {n}: номенклатура guid'{ref}' не найдена")
            if qty <= 0 or price < 0:
                raise SoapFault(f"Строка {n}: количество должно быть больше нуля, цена — не меньше нуля")
            goods.append({"Номенклатура_Key": ref, "Количество": float(qty), "Цена": float(price),
                          "Сумма": float((qty * price).quantize(Decimal("0.01"))),
                          "СтавкаНДС": item.get("СтавкаНДС", "")})
        order_set = self.store.profile.order
        with self.store.lock:
            if self.store.get("Catalog_Контрагенты", cp_ref) is None:
                raise SoapFault(f"Контрагент guid'{cp_ref}' не найден")
            # Idempotency: the CRM may resend after a timeout. With OrderRef (the reference the CRM fixed for
            # its order) that reference identifies the order; without it, the need number and the counterparty.
            if order_ref:
                rec = self.store.get(order_set, order_ref)
                if rec is not None:
                    return self._order_result(rec, created=False)
            else:
                for rec in self.store.all(order_set):
                    if rec.get("НомерПоДаннымКлиента") == need and rec.get("Контрагент_Key") == cp_ref \
                            and not rec.get("DeletionMark"):
                        return self._order_result(rec, created=False)
            entity = self.store.entities[order_set]
            rec = self.odata.new_record(entity, {
                **({"Ref_Key": order_ref} if order_ref else {}),
                "Date": date, "Posted": True, "Контрагент_Key": cp_ref, "НомерПоДаннымКлиента": need,
                "ДатаПоДаннымКлиента": date, "Комментарий": comment, "Статус": "КОбеспечению", "Товары": goods})
            rec = self.store.put(order_set, rec)
        return self._order_result(rec, created=True)

    def _order_result(self, rec: dict, created: bool) -> etree._Element:
        return self._result("CreateCustomerOrder", [("Ref", rec["Ref_Key"]), ("Number", rec["Number"]),
                                                    ("Date", rec["Date"]), ("Amount", rec["СуммаДокумента"]),
                                                    ("Created", created)])

    def get_order_status(self, req: etree._Element) -> etree._Element:
        ref = _text(req, "OrderRef").lower()
        if not is_guid(ref):
            raise SoapFault(f"Неверный формат ссылки на заказ: '{ref}'")
        try:
            st = self.store.order_status(ref)
        except NotFound as err:
            raise SoapFault(f"Заказ клиента guid'{ref}' не найден") from err
        order = st["order"]
        return self._result("GetOrderStatus", [
            ("Ref", ref), ("Number", order["Number"]), ("Amount", st["amount"]), ("Paid", st["paid"]),
            ("PaidAmount", st["paid_amount"]), ("PaidDate", st["paid_date"] if st["paid_date"] != EMPTY_DATE else None),
            ("Shipped", st["shipped"]), ("ShippedDate", st["shipped_date"]), ("StatusCode", st["state"]),
            ("Status", st["status_text"]),
        ])

    def get_changes(self, req: etree._Element) -> etree._Element:
        since_raw = _text(req, "Since")
        limit_raw = _text(req, "Limit", required=False) or "1000"
        if not since_raw.lstrip("-").isdigit() or not limit_raw.isdigit():
            raise SoapFault("Since и Limit должны быть целыми числами")
        items, last, more = self.store.changes(int(since_raw), max(1, min(int(limit_raw), 10000)))
        fields: list[tuple[str, object]] = [("Next", last), ("More", more)]
        for item in items:
            fields.append(("Change", [("Seq", item["seq"]), ("Type", item["type"]), ("Ref", item["Ref_Key"]),
                                      ("DataVersion", item["DataVersion"]), ("DeletionMark", item["DeletionMark"]),
                                      ("Deleted", item["deleted"])]))
        return self._result("GetChanges", fields)

