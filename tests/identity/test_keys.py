"""Ed25519 verification (ZIP 215 rules) and the keys a principal may register."""

from __future__ import annotations

import hashlib

import nacl.bindings
import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.identity.keys import public_key_problem, verify_signature

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P


def _decode(encoded: bytes) -> tuple[int, int] | None:
    """Decode a point as RFC 8032 §5.1.3 does (None when no point has that encoding)."""
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    sign = encoded[31] >> 7
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if v * x * x % P == (P - u) % P:
        x = x * pow(2, (P - 1) // 4, P) % P
    if v * x * x % P != u:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return x3, y3


def _times(n: int, point: tuple[int, int]) -> tuple[int, int]:
    result = (0, 1)
    while n:
        if n & 1:
            result = _add(result, point)
        point = _add(point, point)
        n >>= 1
    return result


def _encode(x: int, y: int) -> bytes:
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _small_order_encodings() -> list[bytes]:
    """Every canonical encoding of a point P with [8]P the identity, each checked by
    multiplying it by 8 here."""
    found = []
    for y in (0, 1, P - 1, *(int(v) for v in _ORDER_8_Y)):
        for sign in (0, 1):
            encoded = (y | sign << 255).to_bytes(32, "little")
            point = _decode(encoded)
            if point is not None:
                assert _times(8, point) == (0, 1)
                found.append(encoded)
    return found


#: The y-coordinates of the four points of order 8 (libsodium's list of small-order
#: encodings has them too); the points of lower order have y = 0, 1 and p - 1.
_ORDER_8_Y = (
    2707385501144840649318225287225658788936804267575313519463743609750303402022,
    P - 2707385501144840649318225287225658788936804267575313519463743609750303402022,
)


def test_the_eight_points_of_small_order_are_refused() -> None:
    encodings = _small_order_encodings()
    assert len(encodings) == 8  # the whole torsion group of Curve25519
    for encoded in encodings:
        assert public_key_problem(encoded) is not None
        assert "small order" in (public_key_problem(encoded) or "")
        assert not nacl.bindings.crypto_core_ed25519_is_valid_point(encoded)


def test_non_canonical_encodings_are_refused() -> None:
    for y in (P, P + 1, P + 5, 2**255 - 1):  # y at or above the field prime
        for sign in (0, 1):
            encoded = (y | sign << 255).to_bytes(32, "little")
            assert "canonical" in (public_key_problem(encoded) or "")
    assert "32-byte" in (public_key_problem(b"\x01" * 31) or "")


def test_a_small_order_key_is_why_registration_checks_keys() -> None:
    """With the identity point as a key, a signature with R the identity and S zero
    passes the cofactored check for every message: nobody needed a private key."""
    identity = (1).to_bytes(32, "little")
    forged = identity + bytes(32)
    assert verify_signature(identity, b"any statement at all", forged)
    assert public_key_problem(identity) is not None


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_every_key_libsodium_accepts_may_be_registered(data: bytes) -> None:
    # Half the examples are real public keys, the rest arbitrary bytes.
    candidate = bytes(nacl.signing.SigningKey(hashlib.sha256(data).digest()).verify_key)
    for encoded in (candidate, data):
        if nacl.bindings.crypto_core_ed25519_is_valid_point(encoded):
            assert public_key_problem(encoded) is None


# RFC 8032 §7.1, tests 1 and 2: (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_rfc8032_vectors(secret: str, public: str, message: str, signature: str) -> None:
    key = nacl.signing.SigningKey(bytes.fromhex(secret))
    assert bytes(key.verify_key).hex() == public
    sig, msg, pub = bytes.fromhex(signature), bytes.fromhex(message), bytes.fromhex(public)
    assert verify_signature(pub, msg, sig)
    assert not verify_signature(pub, msg + b"\x00", sig)
    assert public_key_problem(pub) is None


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=200), st.integers(0, 511))
def test_agrees_with_libsodium_on_honest_and_altered_signatures(
    seed: bytes, message: bytes, bit: int
) -> None:
    key = nacl.signing.SigningKey(seed)
    public = bytes(key.verify_key)
    sig = key.sign(message).signature
    assert verify_signature(public, message, sig)
    altered = bytearray(sig)
    altered[bit // 8] ^= 1 << (bit % 8)
    try:
        key.verify_key.verify(message, bytes(altered))
        libsodium = True
    except Exception:
        libsodium = False
    assert verify_signature(public, message, bytes(altered)) == libsodium
    assert not verify_signature(public, message + b"!", sig)
    assert not verify_signature(public[:31], message, sig)  # wrong length: False, no error


def test_s_must_be_reduced() -> None:
    """S + L verifies the same equation; ZIP 215, like RFC 8032, refuses it."""
    key = nacl.signing.SigningKey(bytes(32))
    sig = key.sign(b"m").signature
    s = int.from_bytes(sig[32:], "little") + L
    malleated = sig[:32] + s.to_bytes(32, "little")
    assert verify_signature(bytes(key.verify_key), b"m", sig)
    assert not verify_signature(bytes(key.verify_key), b"m", malleated)
