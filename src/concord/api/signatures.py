"""HTTP message signatures (RFC 9421) and ``Content-Digest`` (RFC 9530): the subset
Concord's requests use, as pure functions over plain values.

A request is signed over its ``@method``, ``@authority``, ``@path`` and ``@query`` (or
``@target-uri``) and its ``content-digest`` field, with ``created``, ``keyid`` and
``nonce`` parameters and ``alg="ed25519"``. Structured fields (RFC 8941) are parsed and
serialised by ``http-sfv``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from http_sfv.dictionary import Dictionary
from http_sfv.item import InnerList, Item

#: The signature label Concord's clients use (RFC 9421 §4.1: any label; one per request).
LABEL = "concord"
ALGORITHM = "ed25519"
#: What Concord's client covers, in this order.
COVERED = ("@method", "@authority", "@path", "@query", "content-digest")
_DERIVED = {"@method", "@authority", "@path", "@query", "@target-uri"}


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestParts:
    """What a signature can cover of a request. ``fields`` has lower-case names."""

    method: str
    authority: str
    path: str
    query: str
    target_uri: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class SignatureInput:
    """One signature of a request, as its ``Signature-Input`` and ``Signature`` say."""

    label: str
    components: tuple[str, ...]
    #: The serialised inner list with its parameters (``@signature-params``, §2.3).
    params_value: str
    created: int | None
    expires: int | None
    keyid: str | None
    nonce: str | None
    alg: str | None
    signature: bytes


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` field value of ``body`` (RFC 9530 §2, sha-256)."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def digest_matches(field: str, body: bytes) -> bool:
    """Whether a ``Content-Digest`` field's sha-256 member is the digest of ``body``
    (ValueError if the field does not parse or has no sha-256 member)."""
    parsed = Dictionary()
    parsed.parse(field.encode())
    member = parsed.get("sha-256")
    if member is None or not isinstance(member.value, bytes):
        raise ValueError("Content-Digest has no sha-256 member")
    return bool(member.value == hashlib.sha256(body).digest())


def signature_params(
    components: Sequence[str],
    *,
    created: int,
    keyid: str,
    nonce: str | None = None,
    alg: str | None = ALGORITHM,
) -> str:
    """The ``@signature-params`` value (RFC 9421 §2.3): the inner list of covered
    components with ``created``, ``keyid``, ``nonce`` and ``alg`` parameters."""
    inner = InnerList()
    for name in components:
        inner.append(Item(name))
    inner.params["created"] = created
    inner.params["keyid"] = keyid
    if nonce is not None:
        inner.params["nonce"] = nonce
    if alg is not None:
        inner.params["alg"] = alg
    return str(inner)


def component_value(name: str, parts: RequestParts) -> str:
    """A covered component's value (RFC 9421 §2.1 fields, §2.2 derived components)."""
    derived = {
        "@method": parts.method,
        "@authority": parts.authority.lower(),
        "@path": parts.path or "/",
        "@query": "?" + parts.query,  # §2.2.7: "?" alone for an empty query
        "@target-uri": parts.target_uri,
    }
    if name in derived:
        return derived[name]
    if name.startswith("@") or name not in parts.fields:
        raise ValueError(f"the request has no {name!r} to cover")
    return parts.fields[name].strip()


def signature_base(components: Sequence[str], params_value: str, parts: RequestParts) -> bytes:
    """The signature base (RFC 9421 §2.5): one line per component, then the parameters."""
    if len(set(components)) != len(components):
        raise ValueError("a component is covered twice")
    lines = [f'"{name}": {component_value(name, parts)}' for name in components]
    lines.append(f'"@signature-params": {params_value}')
    base = "\n".join(lines)
    if any(ord(c) > 0x7E or (ord(c) < 0x20) for c in base.replace("\n", "")):
        raise ValueError("a covered value is not printable ASCII")
    return base.encode("ascii")


def _parameter(params: Mapping[str, object], name: str, kind: type) -> object:
    value = params.get(name)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise ValueError(f"the {name} parameter is not a {kind.__name__}")
    return value


def parse_signature(signature_input: str, signature: str, label: str = LABEL) -> SignatureInput:
    """The signature labelled ``label`` (or the only one) of a request's
    ``Signature-Input`` and ``Signature`` fields (ValueError when they do not parse)."""
    if not signature_input.strip() or not signature.strip():
        raise ValueError("a signed request needs both Signature-Input and Signature")
    inputs, signatures = Dictionary(), Dictionary()
    inputs.parse(signature_input.encode())
    signatures.parse(signature.encode())
    if label not in inputs:
        if len(inputs) != 1:
            raise ValueError(f"Signature-Input has no signature labelled {label!r}")
        (label,) = inputs.keys()
    entry, signed = inputs[label], signatures.get(label)
    if not isinstance(entry, InnerList):
        raise ValueError(f"Signature-Input {label!r} is not an inner list")
    if signed is None or not isinstance(signed.value, bytes):
        raise ValueError(f"Signature has no byte sequence labelled {label!r}")
    components: list[str] = []
    for item in entry:
        if not isinstance(item.value, str) or item.params:
            raise ValueError("a covered component is not a plain string")
        if item.value.startswith("@") and item.value not in _DERIVED:
            raise ValueError(f"the derived component {item.value!r} is not supported")
        components.append(item.value)
    params = dict(entry.params)
    return SignatureInput(
        label=label,
        components=tuple(components),
        params_value=str(entry),
        created=_parameter(params, "created", int),  # type: ignore[arg-type]
        expires=_parameter(params, "expires", int),  # type: ignore[arg-type]
        keyid=_parameter(params, "keyid", str),  # type: ignore[arg-type]
        nonce=_parameter(params, "nonce", str),  # type: ignore[arg-type]
        alg=_parameter(params, "alg", str),  # type: ignore[arg-type]
        signature=signed.value,
    )


def missing_coverage(components: Sequence[str]) -> list[str]:
    """What Concord requires a request signature to cover that ``components`` leaves out."""
    needed = ["@method", "@authority", "content-digest"]
    if "@target-uri" not in components:
        needed += ["@path", "@query"]
    return [name for name in needed if name not in components]
