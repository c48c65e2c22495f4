"""How the `/ispws/` operations appear in the OpenAPI document: XML and form request bodies, XML answers."""

from __future__ import annotations

from typing import Any

from app.ispws.errors import Code

XML = "text/xml"
CODES = ", ".join(f"{int(code)} {code.name}" for code in Code)

_RESPONSE_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<reportResponse><responseCode>0</responseCode><responseDescription>Success</responseDescription><reportId>4564654</reportId></reportResponse>"""
_UPLOAD_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<reportResponse><responseCode>0</responseCode><responseDescription>Success</responseDescription><reportId>4564654</reportId><fileId>3a1d4fd4106b82499b7c93442aa7dca4</fileId><hash>fafa5efeaf3cbe3b23b2748d13e629a1</hash></reportResponse>"""
_DONE_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<reportDoneResponse><responseCode>0</responseCode><reportId>4564654</reportId><files><fileId>3a1d4fd4106b82499b7c93442aa7dca4</fileId></files></reportDoneResponse>"""
_STATUS_EXAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<reportResponse><responseCode>0</responseCode><responseDescription>Success</responseDescription></reportResponse>"""

_XML_STRING = {"type": "string"}


def _ok(description: str, example: str | None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _XML_STRING}
    if example is not None:
        media["example"] = example
    return {"description": description, "content": {XML: media}}


_COMMON: dict[int | str, dict[str, Any]] = {
    401: {
        "description": "No credential, an unknown user or a wrong password: empty body, `WWW-Authenticate: Basic`.",
        "content": {},
    },
    429: {"description": "Too many failed logins for this user or address: empty body, `Retry-After`.", "content": {}},
}
_TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "The body exceeds its limit; a `<reportResponse>` with code 4000 (1111 for an upload).",
        "content": {XML: {"schema": _XML_STRING}},
    }
}

_SUCCESS: dict[str, tuple[str, str | None]] = {
    "status": ("`<reportResponse>` (code 0, or 3100).", _STATUS_EXAMPLE),
    "xsd": ("The XSD text.", None),
    "submit": ("`<reportResponse>` with the new `reportId`, or a refusal.", _RESPONSE_EXAMPLE),
    "upload": ("`<reportResponse>` with `reportId`, `fileId` and `hash` (MD5), or a refusal.", _UPLOAD_EXAMPLE),
    "fileinfo": ("`<reportResponse>`, or a refusal.", _RESPONSE_EXAMPLE),
    "finish": ("`<reportDoneResponse>` with the report's file ids, or a refusal.", _DONE_EXAMPLE),
    "retract": ("`<reportResponse>`, or a refusal.", _RESPONSE_EXAMPLE),
}


def answers(call: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of one call: 200 (every protocol answer, success or refusal), 401, 429 and for calls with a
    body 413."""
    description, example = _SUCCESS[call]
    if example is not None:
        description += f" Protocol codes: {CODES}."
    return {200: _ok(description, example), **_COMMON, **({} if call in ("status", "xsd") else _TOO_LARGE)}


XML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The XML document (UTF-8), sent as `text/xml; charset=utf-8`.",
        "content": {XML: {"schema": _XML_STRING}},
    }
}

_ID = {"type": "string", "pattern": "^[+-]?[0-9]{1,20}$", "description": "The report id (xs:long)."}

MULTIPART_UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["id", "file"],
                    "properties": {
                        "id": _ID,
                        "file": {"type": "string", "format": "binary", "description": "Hashed, never stored."},
                    },
                }
            }
        },
    }
}

_ID_FORM = {"type": "object", "required": ["id"], "properties": {"id": _ID}}
FORM_ID: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _ID_FORM},
            "multipart/form-data": {"schema": _ID_FORM},
        },
    }
}
