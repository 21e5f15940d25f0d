"""The MedcrmExchange SOAP web service published by 1C (contract: ``static/wsdl/medcrm_exchange.wsdl``).

Called with ``zeep`` over the connection's requests session (same timeouts), with DTDs, entities and
external references forbidden. The contract is the one we ship, so a publication whose own ``?wsdl`` lags
behind still works: only the endpoint address comes from the connection. Master data is read through
the standard OData interface of the same publication (1C publishes both side by side).
"""

import datetime
import os
import time
from decimal import Decimal

import requests
from lxml import etree

from . import records
from .errors import ExchangeError, PayloadError
from .odata import ODataTransport

WSDL = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "wsdl", "medcrm_exchange.wsdl")
BINDING = "{http://medcrm.ru/exchange}MedcrmExchangeSoapBinding"
SERVICE_PATH = "ws/medcrm_exchange.1cws"


class SoapTransport(ODataTransport):
    name = "SOAP"

    def __init__(self, settings, http):
        super().__init__(settings, http)
        self._service = None

    def service(self):
        if self._service is None:
            import zeep
            from zeep.transports import Transport as ZeepTransport

            zeep_settings = zeep.Settings(
                strict=False, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
            transport = ZeepTransport(
                session=self.http.session, timeout=self.http.timeout, operation_timeout=self.http.timeout
            )
            client = zeep.Client(WSDL, transport=transport, settings=zeep_settings)
            address = self.settings.get("soap_url") or f"{self.root}/{SERVICE_PATH}"
            self._service = client.create_service(BINDING, address)
        return self._service

    def call(self, operation, **kwargs):
        """One operation, retried like HTTP calls: server faults, timeouts and broken answers are retried."""
        from zeep.exceptions import Fault, TransportError, XMLSyntaxError

        http = self.http
        last = None
        for attempt in range(http.retries + 1):
            if attempt:
                time.sleep(min(http.backoff * (2 ** (attempt - 1)), http.backoff_max))
            http.attempts += 1
            try:
                result = getattr(self.service(), operation)(**kwargs)
                if result is not None:
                    return result
                # An answer cut short can still parse (lxml recovers) into nothing: asked again like a broken one.
                last = PayloadError("malformed_xml", detail=f"{operation}: empty answer")
            except Fault as err:
                server_side = "Server" in str(err.code or "") or "Receiver" in str(err.code or "")
                last = ExchangeError("soap_fault", retryable=server_side, detail=str(err.message)[:500])
            except requests.Timeout:
                last = ExchangeError("timeout", retryable=True, url=SERVICE_PATH, timeout=http.timeout)
            except requests.RequestException as err:
                last = ExchangeError("unreachable", retryable=True, url=SERVICE_PATH, detail=type(err).__name__)
            except TransportError as err:
                last = ExchangeError(
                    "http_status",
                    retryable=err.status_code >= 500,
                    url=SERVICE_PATH,
                    status=err.status_code,
                    detail=(err.content or b"")[:200].decode("utf-8", "replace"),
                )
            except (XMLSyntaxError, etree.XMLSyntaxError) as err:
                last = PayloadError("malformed_xml", detail=str(err)[:300])
            if not last.retryable:
                raise last
        raise last

    def create_counterparty(self, values):
        result = self.call(
            "CreateCounterparty",
            INN=values["inn"],
            KPP=values.get("kpp") or None,
            Name=values["name"],
            FullName=values.get("full_name") or None,
            Address=values.get("address") or None,
            Phone=values.get("phone") or None,
            Email=values.get("email") or None,
        )
        if not records.is_guid(result.Ref):
            raise PayloadError("bad_guid", detail=str(result.Ref))
        return result.Ref.lower()

    def changes(self, since, types):
        items, cursor = [], int(since or 0)
        while True:
            result = self.call("GetChanges", Since=cursor, Limit=5000)
            for change in result.Change or []:
                if types and change.Type not in types:
                    continue
                if not records.is_guid(change.Ref):
                    raise PayloadError("bad_guid", detail=str(change.Ref))
                items.append({"type": change.Type, "guid": change.Ref.lower(), "deleted": bool(change.Deleted)})
            cursor = int(result.Next)
            if not result.More:
                return items, cursor

    def push_order(self, values):
        """CreateCustomerOrder with OrderRef: the web service returns the order it already has for that reference."""
        result = self.call(
            "CreateCustomerOrder",
            NeedNumber=values["need_number"],
            CounterpartyRef=values["counterparty"],
            Date=values["date"],
            Comment=values.get("comment") or None,
            Lines={
                "Line": [
                    {
                        "ProductRef": line["product"],
                        "Quantity": Decimal(str(line["quantity"])),
                        "Price": Decimal(str(line["price"])),
                    }
                    for line in values["lines"]
                ]
            },
            OrderRef=values["ref"],
        )
        if not records.is_guid(result.Ref):
            raise PayloadError("bad_guid", detail=str(result.Ref))
        return {"guid": result.Ref.lower(), "number": records.text(result.Number), "created": bool(result.Created)}

    def order_statuses(self, refs):
        out = {}
        for ref in refs:
            try:
                result = self.call("GetOrderStatus", OrderRef=ref)
            except ExchangeError as err:
                if err.code == "soap_fault" and not err.retryable:
                    out[ref] = {"error": err}  # this order only (unknown to 1C...): the others are read
                    continue
                raise
            out[ref] = {
                "paid": bool(result.Paid),
                "paid_amount": float(result.PaidAmount or 0),
                "paid_date": _naive(result.PaidDate),
                "shipped": bool(result.Shipped),
                "shipped_date": _naive(result.ShippedDate),
                "state": records.text(result.StatusCode),
                "status": records.text(result.Status),
            }
        return out


def _naive(value):
    """zeep gives xs:dateTime as datetime (aware when 1C sent a zone): 1C's local time, without the zone."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    return None
