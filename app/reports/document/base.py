"""Base classes of the report document models and the one statement of how XML maps to JSON.

JSON_MAPPING below is the convention; it is repeated (generated) in the OpenAPI description of every model it
touches, so API users meet it where they need it.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict

JSON_MAPPING = """\
JSON ⇄ XML mapping (cyber_tipline.xsd). JSON field names are the XSD's element and attribute names, exactly \
(camelCase, no namespace); enumeration values are the XSD's strings, exactly.
1. An element with only text (xs:string, xs:boolean, xs:dateTime, ... and the attribute-less simple-content \
types `text`, `content`, `screenName`, `reportedToLawEnforcement`) is a plain JSON value: \
`"platform": "Example Chat"`, `"compromisedAccount": false`.
2. An element with text AND attributes is an object: the text is `value`, each attribute is a field of the same \
name: `<email type="Home" verified="true">a@example.com</email>` ⇔ \
`{"value": "a@example.com", "type": "Home", "verified": true}`. The object form is used even when no attribute \
is given: `{"value": "a@example.com"}`.
3. An element with child elements is an object; its attributes are fields beside its children: \
`<address type="Home"><city>Bandung</city></address>` ⇔ `{"type": "Home", "city": "Bandung"}`.
4. A repeatable element (maxOccurs > 1) is an array, `[]` when absent; an optional element is omitted or null.
5. A presence flag (`xs:boolean fixed="true"`, e.g. `<sextortion/>`) is `true` or omitted; `false` is invalid.
6. A choice (e.g. `internetDetails`) is an object holding exactly one of its alternatives: \
`{"chatImIncident": {...}}`.
7. xs:dateTime needs an explicit offset (RFC 3339); xs:date is `YYYY-MM-DD`; xs:long/xs:int are integers.
Fields the schema does not define are kept at parse time and reported by pointer; strict intake refuses them, \
lenient intake drops them. They are never written to XML."""


def _describe(schema: dict[str, Any], cls: type[Any]) -> None:
    """Append the XML mapping of one model to its OpenAPI description (generated, so it cannot drift)."""
    notes: list[str] = []
    if issubclass(cls, SimpleContent):
        attrs = ", ".join(f"`{a}`" for a in cls.xml_attributes)
        notes.append(
            f"XML: an element with text and attributes; `value` is the element's text, {attrs} its attributes."
        )
    elif issubclass(cls, Flags):
        notes.append("XML: each field is a presence flag: `true` ⇔ an empty element (`<flag/>`), absent ⇔ omitted.")
    elif issubclass(cls, XmlModel) and cls.xml_attributes:
        attrs = ", ".join(f"`{a}`" for a in cls.xml_attributes)
        verb = "is an attribute" if len(cls.xml_attributes) == 1 else "are attributes"
        notes.append(f"XML: {attrs} {verb} of the element; the other fields are child elements, in order.")
    if issubclass(cls, XmlModel) and cls.xml_root:
        notes.append(JSON_MAPPING)
    if notes:
        schema["description"] = "\n\n".join([str(schema.get("description", "")).strip(), *notes]).strip()


class XmlModel(BaseModel):
    """An XSD complex type. Fields are declared in the XSD's sequence order; the XML writer relies on it."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, json_schema_extra=_describe)

    xml_attributes: ClassVar[tuple[str, ...]] = ()
    """Fields that are XML attributes of the element (the others are child elements)."""
    xml_root: ClassVar[bool] = False
    """A document root (`report`, `fileDetails`): its description carries the full JSON_MAPPING."""


class SimpleContent(XmlModel):
    """An element with text content and attributes: subclasses narrow `value` (the text) and add the attributes."""

    value: Any


class Flags(XmlModel):
    """An xs:all group of presence flags (`xs:boolean fixed="true"`): every field is `Flag | None`."""


def _models_in(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The model classes an annotation names (`X`, `X | None`, `list[X]`, ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return (annotation,)
    return tuple(model for arg in get_args(annotation) for model in _models_in(arg))


@cache
def model_children(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `cls` declared to hold a model (`X`, `X | None`, `list[X]`), in definition order.

    A walk of a validated document needs to visit only these: the value of such a field is a model, a list of
    models, or None, and every other field holds a plain value or a list of them. Computed once per class."""
    return tuple(name for name, info in cls.model_fields.items() if _models_in(info.annotation))


@cache
def may_contain(cls: type[BaseModel], kind: type[BaseModel]) -> bool:
    """Whether a `cls` model can be, or hold at any depth, a `kind` model (the document types form a tree)."""
    return issubclass(cls, kind) or any(
        may_contain(model, kind) for info in cls.model_fields.values() for model in _models_in(info.annotation)
    )


@cache
def children_containing(cls: type[BaseModel], kind: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `cls` (among `model_children`) whose models can be or hold a `kind` model, in definition
    order: a search for `kind` needs to visit only these."""
    return tuple(
        name
        for name in model_children(cls)
        if any(may_contain(model, kind) for model in _models_in(cls.model_fields[name].annotation))
    )
