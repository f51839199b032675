"""RFC 9421 signature bases and RFC 9530 digests: the RFC's own ed25519 example, and
the headers Concord's client signer writes."""

from __future__ import annotations

import base64
import hashlib

import pytest

from concord.api.client import signed_headers
from concord.api.signatures import (
    COVERED,
    RequestParts,
    content_digest,
    digest_matches,
    missing_coverage,
    parse_signature,
    signature_base,
)
from concord.identity.keys import SigningKey, verify_signature

# RFC 9421 Appendix B.1.4: the test key test-key-ed25519 (PKCS#8; the seed is its tail).
TEST_KEY_PKCS8 = "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF"
TEST_KEY_SPKI = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="
# RFC 9421 Appendix B.2: the example request (POST /foo?param=Value&Pet=dog).
B2_REQUEST = RequestParts(
    method="POST",
    authority="example.com",
    path="/foo",
    query="param=Value&Pet=dog",
    target_uri="https://example.com/foo?param=Value&Pet=dog",
    fields={
        "date": "Tue, 20 Apr 2021 02:07:55 GMT",
        "content-type": "application/json",
        "content-length": "18",
    },
)
# RFC 9421 Appendix B.2.6.
B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQ"
    "v5lIp5WPpBKRCw==:"
)
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"'
)


def _test_key() -> SigningKey:
    return SigningKey("test-key-ed25519", base64.b64decode(TEST_KEY_PKCS8)[-32:])


def test_the_rfc_9421_ed25519_example_is_reproduced_byte_for_byte() -> None:
    key = _test_key()
    assert key.public_key == base64.b64decode(TEST_KEY_SPKI)[-32:]
    signed = parse_signature(B26_INPUT, B26_SIGNATURE)
    assert signed.label == "sig-b26"
    assert signed.created == 1618884473
    assert signed.keyid == "test-key-ed25519"
    base = signature_base(signed.components, signed.params_value, B2_REQUEST)
    assert base.decode() == B26_BASE
    # Ed25519 is deterministic: signing the base gives the RFC's signature exactly.
    assert key.sign(base) == signed.signature
    assert verify_signature(key.public_key, base, signed.signature)


def test_the_rfc_9530_digest_is_sha_256_of_the_body() -> None:
    body = b'{"hello": "world"}'
    # RFC 9530 Appendix B.1's sha-256 of this body.
    assert content_digest(body) == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    assert digest_matches(content_digest(body), body)
    assert not digest_matches(content_digest(body), body + b" ")
    with pytest.raises(ValueError, match="sha-256"):
        digest_matches(
            "sha-512=:" + base64.b64encode(hashlib.sha512(body).digest()).decode() + ":", body
        )


def test_the_client_signs_method_authority_path_query_and_digest() -> None:
    key = SigningKey.generate("pacific-alliance")
    body = b"{}"
    headers = signed_headers(
        key, "post", "http://office.example:8000/statements?x=1", body, created=100, nonce="n1"
    )
    signed = parse_signature(headers["Signature-Input"], headers["Signature"])
    assert signed.components == COVERED
    assert (signed.keyid, signed.nonce, signed.alg, signed.created) == (
        key.key_id,
        "n1",
        "ed25519",
        100,
    )
    assert missing_coverage(signed.components) == []
    parts = RequestParts(
        method="POST",
        authority="office.example:8000",
        path="/statements",
        query="x=1",
        target_uri="http://office.example:8000/statements?x=1",
        fields={"content-digest": headers["Content-Digest"]},
    )
    base = signature_base(signed.components, signed.params_value, parts)
    assert base.splitlines()[:4] == [
        b'"@method": POST',
        b'"@authority": office.example:8000',
        b'"@path": /statements',
        b'"@query": ?x=1',
    ]
    assert verify_signature(key.public_key, base, signed.signature)
    assert (
        signed_headers(key, "GET", "http://h/x", b"")["Signature"]
        != signed_headers(key, "GET", "http://h/x", b"")["Signature"]
    )  # a fresh nonce each time


@pytest.mark.parametrize(
    ("signature_input", "signature"),
    [
        ("", "concord=:AA==:"),
        ('concord=("@method");created=1', ""),
        ('concord=("@status");created=1', "concord=:AA==:"),
        ('concord=("@method";req);created=1', "concord=:AA==:"),
        ('concord=("@method");created="soon"', "concord=:AA==:"),
        ('a=("@method");created=1, b=("@method");created=1', "a=:AA==:"),
    ],
)
def test_a_malformed_signature_field_does_not_parse(signature_input: str, signature: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_signature(signature_input, signature)
