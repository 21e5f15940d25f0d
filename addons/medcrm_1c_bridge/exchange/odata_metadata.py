"""What a 1C base publishes over OData, read from its ``$metadata`` (CSDL, OData v3).

1C writes one ``EntityType`` per published object (``StandardODATA.Catalog_Номенклатура``), its requisites as
``Property`` elements (tabular parts as ``Collection(StandardODATA.…_RowType)``), and one ``EntitySet`` per type
in the ``EnterpriseV8`` container. Only the names matter to the bridge: which sets exist, which properties each
has (so a ``$select`` never names an absent one, which 1C answers with HTTP 400), and which catalogs have folders
(``IsFolder``: a ``$filter`` on it fails where the catalog has no hierarchy of groups).

The document is parsed with the hardened lxml parser of :mod:`.xmlsafe` (no DTD, no entities, no network).
"""

from lxml import etree

from . import xmlsafe
from .errors import PayloadError


def _local(element):
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def parse_metadata(data):
    """``{entity set: {"props": [names], "tables": [names], "folders": bool}}`` from a ``$metadata`` body."""
    root = xmlsafe.fromstring(data)
    types = {}
    sets = {}
    for element in root.iter():
        name = _local(element)
        if name == "EntityType":
            props, tables = [], []
            for child in element:
                if _local(child) != "Property" or not child.get("Name"):
                    continue
                if (child.get("Type") or "").startswith("Collection("):
                    tables.append(child.get("Name"))
                else:
                    props.append(child.get("Name"))
            types[element.get("Name")] = (props, tables)
        elif name == "EntitySet" and element.get("Name"):
            sets[element.get("Name")] = (element.get("EntityType") or "").rpartition(".")[2]
    if not types:
        raise PayloadError("malformed_xml", detail="no EntityType in $metadata")
    out = {}
    for set_name, type_name in sets.items():
        props, tables = types.get(type_name or set_name, types.get(set_name, ([], [])))
        out[set_name] = {"props": props, "tables": tables, "folders": "IsFolder" in props}
    if not sets:  # a document without a container: every entity type is taken as a set of its own name
        out = {name: {"props": p, "tables": t, "folders": "IsFolder" in p} for name, (p, t) in types.items()}
    return out
