"""GeoReport v2 documents as XML or JSON.

JSON follows the spec's Spark convention: a container element of repeated
children (services/service, attributes/attribute, ...) is a JSON array. XML is
built with the standard library's ElementTree, which escapes text; characters
that XML 1.0 cannot carry at all are dropped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Response

# The repeated child of each container element.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}
MIMETYPES = {"xml": "text/xml", "json": "application/json"}
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item = ITEM_NAMES[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def xml_document(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def render(fmt: str, root: str, data, status: int = 200) -> Response:
    """The document `data` (its XML root element named `root`) in format `fmt`."""
    if fmt == "xml":
        body = xml_document(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")
