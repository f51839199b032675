"""The fast canonical-JSON path is byte-identical to the RFC 8785 reference."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concord.errors import MalformedStatement
from concord.identity.canonical import canonical_json, parse_json, reference_canonical_json

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-(2.0**52), max_value=2.0**52)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_fast_path_equals_the_reference(value: object) -> None:
    assert canonical_json(value) == reference_canonical_json(value)


def test_rfc8785_examples() -> None:
    # RFC 8785 §3.2.3: sorting by UTF-16 code units, not by code points.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "Emoji",
        "\u0080": "Control",
        "\u00f6": "Latin",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin",'
        '"\u20ac":"Euro Sign","\U0001f600":"Emoji","\ufb33":"Hebrew"}'
    )
    assert canonical_json(value) == expected.encode()
    assert canonical_json({"n": 1.0, "big": 1e21}) == b'{"big":1e+21,"n":1}'


def test_duplicate_keys_and_constants_are_refused() -> None:
    with pytest.raises(MalformedStatement, match="duplicate JSON key 'a'"):
        parse_json('{"a": 1, "a": 2}', what="payload")
    with pytest.raises(MalformedStatement, match="NaN"):
        parse_json('{"a": NaN}', what="payload")


@given(json_values)
def test_parse_canonical_accepts_exactly_the_canonical_bytes(value: object) -> None:
    from concord.identity.canonical import parse_canonical

    canonical = reference_canonical_json(value)
    assert parse_canonical(canonical, what="x")[1] is True
    assert parse_canonical(b" " + canonical, what="x")[1] is False
    assert parse_canonical(canonical + b"\n", what="x")[1] is False


def test_integers_beyond_ijson_are_refused() -> None:
    from concord.identity.canonical import parse_canonical

    with pytest.raises(MalformedStatement, match="safe integer"):
        parse_canonical(b'{"a":9007199254740993}', what="payload")


@given(json_values)
def test_the_fast_canonical_check_never_accepts_what_the_reference_rejects(value: object) -> None:
    from concord.identity.canonical import canonical_value

    canonical = reference_canonical_json(value)
    for data in (canonical, b" " + canonical, canonical.replace(b":", b": ", 1)):
        fast = canonical_value(data)
        if fast is not None:  # whatever the fast check accepts is the value's JCS form
            assert reference_canonical_json(fast) == data


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
        max_size=6,
    )
)
def test_float_free_canonical_objects_take_the_fast_path(value: dict[str, object]) -> None:
    from concord.identity.canonical import canonical_value

    data = reference_canonical_json(value)
    if data.isascii():  # only strings from the BMP sort the same in UTF-8 and UTF-16
        assert canonical_value(data) == value


def test_key_ids_with_hex_digits_take_the_fast_path() -> None:
    # A key id such as "ed25519:3940e931..." once looked like the number 3940e9 to a
    # byte scan for numbers, and one statement in ten took the slow path; strings that
    # look like numbers must not send a payload there.
    from concord.identity.canonical import canonical_value

    data = b'{"key_id":"ed25519:3940e93128783520","n":[1,-2],"x":"a:1.5"}'
    assert canonical_value(data) == {
        "key_id": "ed25519:3940e93128783520",
        "n": [1, -2],
        "x": "a:1.5",
    }


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1.5}',
        b"[0.25,1]",
        b'{"a":[1,-2.5e-7]}',
        b'{"a":"x:1.5,","b":2}',
        b'{"declared_tonnes":1234.5,"site":"SB-N-03","uncertainty":0.02}',
        b'{"a":1e+21}',
    ],
)
def test_canonical_numbers_with_a_fraction_or_exponent_take_the_fast_path(data: bytes) -> None:
    # Declarations carry decimal tonnes: each float is compared with the way RFC 8785
    # writes it, instead of sending the whole payload to the reference (about 13x slower).
    import json

    from concord.identity.canonical import canonical_value, parse_canonical

    assert canonical_value(data) == json.loads(data)
    assert parse_canonical(data, what="x") == (json.loads(data), True)


@pytest.mark.parametrize(
    ("data", "canonical"),
    [
        (b'{"a":1.0}', False),  # JCS writes 1
        (b'{"a":-0.0}', False),  # JCS writes 0
        (b'{"a":1e16}', False),  # JCS writes 10000000000000000
        (b'{"a":1E5}', False),
        (b'{"a":[2.5,1e21]}', False),  # JCS writes 1e+21
    ],
)
def test_floats_written_otherwise_than_by_orjson_or_jcs_go_the_precise_path(
    data: bytes, canonical: bool
) -> None:
    from concord.identity.canonical import canonical_value, parse_canonical

    assert canonical_value(data) is None
    assert parse_canonical(data, what="x")[1] is canonical


@given(
    st.dictionaries(
        st.text(max_size=4),
        st.floats(allow_nan=False, allow_infinity=False) | st.integers(-100, 100),
        max_size=4,
    )
)
def test_the_fast_check_accepts_floats_only_as_the_reference_writes_them(
    value: dict[str, object],
) -> None:
    import orjson

    from concord.identity.canonical import canonical_value

    for data in (reference_canonical_json(value), orjson.dumps(value, option=orjson.OPT_SORT_KEYS)):
        fast = canonical_value(data)
        if fast is not None:
            assert reference_canonical_json(fast) == data


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',  # duplicate key
        b'{"b":1,"a":2}',  # keys out of order
        b'{"a": 1}',  # whitespace
        b'{"a":1.0}',  # JCS writes 1
        b'{"a":1e16}',  # JCS writes 10000000000000000
        b'{"a":9007199254740993}',  # beyond I-JSON
        b'{"a":"\\u0041"}',  # JCS writes "A"
        b'{"\\ud800":1}',  # lone surrogate
    ],
)
def test_the_fast_canonical_check_leaves_doubtful_bytes_to_the_precise_path(data: bytes) -> None:
    from concord.identity.canonical import canonical_value, parse_canonical

    assert canonical_value(data) is None
    with contextlib.suppress(MalformedStatement):  # refused outright: also not canonical
        assert parse_canonical(data, what="x")[1] is False


def test_a_top_level_number_is_left_to_the_precise_path() -> None:
    from concord.identity.canonical import canonical_value, parse_canonical

    assert canonical_value(b"1") is None
    assert parse_canonical(b"1", what="x") == (1, True)
