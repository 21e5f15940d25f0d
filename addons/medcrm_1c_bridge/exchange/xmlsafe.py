"""Parsing XML from 1C safely: no DTD, no entities, no network, streaming, size-limited.

``lxml`` is told not to resolve entities, not to load DTDs and not to touch the network, and a document
that declares a DOCTYPE or an entity at all is refused before parsing: neither XXE (reading files or
URLs through external entities) nor "billion laughs" (exponential entity expansion) can get through,
and ``huge_tree`` stays off so a single monstrous text node is refused by libxml2 itself.
"""

import os
import re

from lxml import etree

from .errors import ExchangeError, PayloadError

PROLOGUE_BYTES = 1 << 16
_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parser_options():
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def safe_parser():
    return etree.XMLParser(remove_comments=True, remove_pis=True, **parser_options())


def check_prologue(fileobj):
    """Refuse a document with a DOCTYPE or ENTITY declaration (anywhere before the root element)."""
    start = fileobj.tell()
    head = fileobj.read(PROLOGUE_BYTES)
    fileobj.seek(start)
    root_at = _first_element(head)
    prologue = head if root_at is None else head[:root_at]
    found = _FORBIDDEN.search(prologue)
    if found:
        raise ExchangeError("forbidden_xml", detail=found.group(0).decode())


def _first_element(data):
    """Offset of the root element's '<' (skipping the declaration, comments, PIs and the doctype)."""
    for match in re.finditer(rb"<([^?!])", data):
        return match.start()
    return None


def check_size(path, limit):
    size = os.path.getsize(path)
    if size > limit:
        raise ExchangeError("too_large", url=os.path.basename(path), limit=limit)
    return size


def iterparse(fileobj, tags, events=None):
    """``lxml.etree.iterparse`` over "end" events of ``tags``, hardened; XML errors become PayloadError.

    With ``events`` (e.g. ``("start", "end")``) it yields ``(event, element)`` pairs instead of elements.
    """
    check_prologue(fileobj)
    context = etree.iterparse(fileobj, events=events or ("end",), tag=tags, **parser_options())
    try:
        for event, element in context:
            yield (event, element) if events else element
    except etree.XMLSyntaxError as err:
        raise PayloadError("malformed_xml", detail=str(err)[:300]) from err


def fromstring(data):
    """A small XML document (a SOAP answer), parsed with the same guards."""
    import io

    check_prologue(io.BytesIO(data[:PROLOGUE_BYTES]))
    try:
        return etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as err:
        raise PayloadError("malformed_xml", detail=str(err)[:300]) from err
