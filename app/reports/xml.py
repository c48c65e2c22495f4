"""XML ⇄ report models: `<report>` and `<fileDetails>` documents of cyber_tipline.xsd.

Writing follows the models (whose fields are declared in the XSD's sequence order) and the JSON mapping of
`app.reports.document.JSON_MAPPING` exactly; the XSD has no targetNamespace, so elements carry no namespace.
Unknown fields of a model are never written.

Reading is safe: the bytes are size-checked first, then parsed by defusedxml with DTDs, entity declarations and
external references forbidden, and with a nesting-depth limit enforced while parsing (before a tree is built).
Each refusal raises `XmlRefused` with a machine-readable `reason`. The parsed tree is converted to the JSON shape
and validated by the models, so a content error is a pydantic `ValidationError` whose `loc` is a JSON path.
Elements and attributes the schema does not define are kept as unknown fields (see `unknown_fields`): an unknown
element under its tag, an unknown attribute as `@name`, stray text inside a complex element as `#text`.
Element order is not checked here; validate against the XSD where order matters.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, cast, get_args, get_origin
from xml.etree.ElementTree import Element, ParseError, SubElement, TreeBuilder, tostring

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from app.reports.document import FileDetails, Flags, Report, SimpleContent, XmlModel
from app.reports.document.types import XML_CONTEXT

XSD_PATH = Path(__file__).resolve().parent / "cyber_tipline.xsd"
"""NCMEC's published schema (copy of 2025-11-10), shipped with the package."""

MAX_BYTES = 5 * 1024 * 1024
"""Default size limit of one document. A `<report>` with hundreds of identifiers stays far below it."""
MAX_DEPTH = 32
"""Default nesting limit; the deepest path the XSD allows is 5 levels below the root."""

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

RefusalReason = Literal["too_large", "too_deep", "dtd", "entities", "external_reference", "malformed", "wrong_root"]
M = TypeVar("M", bound=XmlModel)


class XmlRefused(ValueError):
    """An XML document refused before validation: unsafe, too large or deep, malformed, or not the expected root.

    `malformed` maps to the protocol's 4110 (malformed XML); the others are refusals of the request.
    """

    def __init__(self, reason: RefusalReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason: RefusalReason = reason
        self.detail = detail


# --- model introspection ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Slot:
    """A child element of a model: its name, whether it repeats, and its model (None for a text-only element)."""

    name: str
    many: bool
    model: type[XmlModel] | None


def _unwrap(tp: Any) -> Any:
    """Strip `Annotated[...]` and `... | None` from a field annotation."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


@cache
def _slots(cls: type[XmlModel]) -> tuple[_Slot, ...]:
    slots: list[_Slot] = []
    for name, field in cls.model_fields.items():
        if name in cls.xml_attributes or (issubclass(cls, SimpleContent) and name == "value"):
            continue
        tp = _unwrap(field.annotation)
        many = get_origin(tp) is list
        if many:
            tp = _unwrap(get_args(tp)[0])
        model = tp if isinstance(tp, type) and issubclass(tp, XmlModel) else None
        slots.append(_Slot(name, many, model))
    return tuple(slots)


@cache
def _slot_map(cls: type[XmlModel]) -> dict[str, _Slot]:
    return {slot.name: slot for slot in _slots(cls)}


# --- writing -----------------------------------------------------------------------------------------------------


def _lexical(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _fill(elem: Element, model: XmlModel) -> None:
    cls = type(model)
    for name in cls.xml_attributes:
        value = getattr(model, name)
        if value is not None:
            elem.set(name, _lexical(value))
    if isinstance(model, SimpleContent):
        elem.text = _lexical(model.value)
        return
    flags = isinstance(model, Flags)
    for slot in _slots(cls):
        value = getattr(model, slot.name)
        if value is None:
            continue
        for item in value if slot.many else (value,):
            child = SubElement(elem, slot.name)
            if isinstance(item, XmlModel):
                _fill(child, item)
            elif not flags:  # a presence flag is an empty element
                child.text = _lexical(item)


def _to_xml(model: XmlModel, root: str) -> bytes:
    elem = Element(root)
    _fill(elem, model)
    return XML_DECLARATION + cast(bytes, tostring(elem, encoding="utf-8", xml_declaration=False))


def report_to_xml(report: Report) -> bytes:
    """A UTF-8 `<report>` document, with XML declaration, in the XSD's element order."""
    return _to_xml(report, "report")


def file_details_to_xml(details: FileDetails) -> bytes:
    """A UTF-8 `<fileDetails>` document, with XML declaration, in the XSD's element order."""
    return _to_xml(details, "fileDetails")


# --- reading -----------------------------------------------------------------------------------------------------


class _DepthLimitedBuilder:
    """A parser target that builds a tree like TreeBuilder but refuses nesting beyond `max_depth` as it goes."""

    def __init__(self, max_depth: int) -> None:
        self._builder = TreeBuilder()
        self._depth = 0
        self._max_depth = max_depth

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._depth += 1
        if self._depth > self._max_depth:
            raise XmlRefused("too_deep", f"elements nest deeper than {self._max_depth} levels")
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> Element:
        return self._builder.close()


def parse_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Element:
    """Parse untrusted XML safely into an element tree, or raise `XmlRefused`."""
    if len(data) > max_bytes:
        raise XmlRefused("too_large", f"document of {len(data)} bytes exceeds the limit of {max_bytes}")
    parser = DefusedXMLParser(
        target=_DepthLimitedBuilder(max_depth), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        root: Element = parser.close()
    except DTDForbidden as exc:
        raise XmlRefused("dtd", "document type declarations are not accepted") from exc
    except EntitiesForbidden as exc:
        raise XmlRefused("entities", "entity declarations are not accepted") from exc
    except ExternalReferenceForbidden as exc:
        raise XmlRefused("external_reference", "external references are not accepted") from exc
    except ParseError as exc:
        raise XmlRefused("malformed", str(exc)) from exc
    return root


class _Fields:
    """The JSON object being built for one element. A repeated single-valued key becomes a list, which validation
    then refuses with that key's pointer."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self._repeated: set[str] = set()

    def put(self, key: str, value: Any) -> None:
        if key not in self.data:
            self.data[key] = value
        elif key in self._repeated:
            self.data[key].append(value)
        else:
            self.data[key] = [self.data[key], value]
            self._repeated.add(key)

    def append(self, key: str, value: Any) -> None:
        self.data.setdefault(key, []).append(value)


def _generic(elem: Element) -> Any:
    """An element the schema does not define at this place, in the same JSON shape (for unknown-field pointers)."""
    if not len(elem) and not elem.attrib:
        return elem.text or ""
    fields = _Fields()
    for key, raw in elem.attrib.items():
        fields.put(f"@{key}", raw)
    for child in elem:
        fields.put(child.tag, _generic(child))
    if elem.text and elem.text.strip():
        fields.put("#text", elem.text)
    return fields.data


def _flag(elem: Element) -> Any:
    text = (elem.text or "").strip()
    return True if text in ("", "true", "1") else text


def _convert(elem: Element, cls: type[XmlModel]) -> dict[str, Any]:
    fields = _Fields()
    for key, raw in elem.attrib.items():
        if not key.startswith(_XSI):
            fields.put(key if key in cls.xml_attributes else f"@{key}", raw)
    simple = issubclass(cls, SimpleContent)
    if simple:
        fields.put("value", elem.text or "")
    elif elem.text and elem.text.strip():
        fields.put("#text", elem.text)
    slots = {} if simple else _slot_map(cls)
    flags = issubclass(cls, Flags)
    for child in elem:
        slot = slots.get(child.tag)
        if slot is None:
            fields.put(child.tag, _generic(child))
            continue
        value: Any
        if slot.model is not None:
            value = _convert(child, slot.model)
        elif flags:
            value = _flag(child)
        elif len(child):
            value = _generic(child)  # children where text belongs: validation refuses it at this pointer
        else:
            value = child.text or ""
        if slot.many:
            fields.append(slot.name, value)
        else:
            fields.put(slot.name, value)
    return fields.data


def _from_xml(data: bytes, cls: type[M], root: str, max_bytes: int, max_depth: int) -> M:
    elem = parse_xml(data, max_bytes=max_bytes, max_depth=max_depth)
    if elem.tag != root:
        raise XmlRefused("wrong_root", f"expected a <{root}> document, got <{elem.tag}>")
    return cls.model_validate(_convert(elem, cls), context=XML_CONTEXT)


def report_from_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Report:
    """Parse a `<report>` document: `XmlRefused` if refused, `pydantic.ValidationError` if invalid."""
    return _from_xml(data, Report, "report", max_bytes, max_depth)


def file_details_from_xml(data: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> FileDetails:
    """Parse a `<fileDetails>` document: `XmlRefused` if refused, `pydantic.ValidationError` if invalid."""
    return _from_xml(data, FileDetails, "fileDetails", max_bytes, max_depth)
