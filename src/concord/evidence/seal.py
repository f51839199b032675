"""The analytic store's seal: what ties ``evidence.duckdb`` to the log.

The store is a cache of the log, and anyone who can write the workspace can edit it. So
whenever the office builds or refreshes the store it records, in ``store_meta``, the log
prefix the store was built from (size and root), a digest of the store's whole content,
and the office's signature over the three. Before the store is used the digest is
recomputed from the content and the signature checked with the office's key, which is
not in the store: an edited row, an edited digest or a store from another workspace is
caught, whoever wrote it.

The content digest is SHA-256 over, in this order:

* the catalog of the store file: every table, view, macro, index, sequence and type,
  with its SQL, one canonical JSON line each, sorted;
* for each table by schema and name (``store_meta`` excepted, since it holds the
  digest): a header line with the table's name and row count, then every row as
  DuckDB's canonical JSON (``to_json``: strings escaped, doubles in shortest round-trip
  form, so distinct values never print alike) and a newline, the lines sorted.

Sorting makes the digest a function of the content alone, not of the physical order of
rows, so a refreshed store and a rebuilt one of the same prefix have the same digest.

The signed message is domain-separated (:data:`SEAL_CONTEXT`, which ends in a NUL byte):
the same key signs statements over DSSE's pre-authentication encoding, which starts
``DSSEv1``, and checkpoints are signed by the log's own key, so a seal can never pass for
either.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from concord.identity.keys import SigningKey, key_id, verify_signature

#: What a seal signature is over, before the sealed values.
SEAL_CONTEXT = b"concord analytic-store seal v1\x00"
#: What the content digest starts with (a version, should the encoding ever change).
DIGEST_CONTEXT = b"concord analytic-store content v1\n"
#: The table that records the state and the seal (not part of the content digest).
META_TABLE = "store_meta"
#: Rows per Arrow batch when hashing a table (bounded memory for any store size).
_BATCH_ROWS = 262_144

_CATALOG = """
    SELECT to_json(['table', schema_name, table_name, sql])
    FROM duckdb_tables() WHERE database_name = current_database()
    UNION ALL SELECT to_json(['view', schema_name, view_name, sql])
    FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
    UNION ALL SELECT to_json(['index', schema_name, index_name, sql])
    FROM duckdb_indexes() WHERE database_name = current_database()
    UNION ALL SELECT to_json(['sequence', schema_name, sequence_name, sql])
    FROM duckdb_sequences() WHERE database_name = current_database()
    UNION ALL SELECT to_json(['function', schema_name, function_name, function_type,
                              CAST(parameters AS VARCHAR), macro_definition])
    FROM duckdb_functions() WHERE database_name = current_database() AND NOT internal
    UNION ALL SELECT to_json(['type', schema_name, type_name, logical_type,
                              CAST(labels AS VARCHAR)])
    FROM duckdb_types() WHERE database_name = current_database() AND NOT internal
    ORDER BY 1"""


@dataclass(frozen=True, slots=True)
class StoreState:
    """The log prefix an analytic store was built from, and its content digest
    (empty when not recorded)."""

    size: int
    root: str
    digest: str = ""

    def same_prefix(self, other: StoreState) -> bool:
        """Whether both name the same log prefix (whatever their digests)."""
        return (self.size, self.root) == (other.size, other.root)


@dataclass(frozen=True, slots=True)
class StoreSeal:
    """A state signed by the office: who signed it (key id) and the signature (base64)."""

    state: StoreState
    key_id: str
    signature: str


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _hash_lines(digest: hashlib._Hash, column: pa.Array) -> None:
    """Feed the bytes of a string column (each value one line) to ``digest`` at once."""
    if isinstance(column, pa.ChunkedArray):
        for chunk in column.chunks:
            _hash_lines(digest, chunk)
        return
    if len(column) == 0:
        return
    if pa.types.is_large_string(column.type):
        width: type[np.int64] | type[np.int32] = np.int64
    elif pa.types.is_string(column.type):
        width = np.int32
    else:  # a string view or another layout: bring it to one whose bytes are contiguous
        column, width = column.cast(pa.large_string()), np.int64
    _, offsets, data = column.buffers()
    bounds = np.frombuffer(offsets, dtype=width)
    start, end = bounds[column.offset], bounds[column.offset + len(column)]
    digest.update(memoryview(data)[start:end])


def _hash_table(
    con: duckdb.DuckDBPyConnection, digest: hashlib._Hash, schema: str, table: str
) -> None:
    name = f"{_quote(schema)}.{_quote(table)}"
    ((count,),) = con.execute(f"SELECT count(*) FROM {name}").fetchall()
    digest.update(f"table {schema}.{table} {count}\n".encode())
    lines = con.sql(
        f"SELECT CAST(to_json(r) AS VARCHAR) || chr(10) AS line FROM {name} r ORDER BY line"
    )
    for batch in lines.to_arrow_reader(_BATCH_ROWS):
        _hash_lines(digest, batch.column(0))


def content_digest(con: duckdb.DuckDBPyConnection) -> str:
    """The SHA-256 (hex) of the store's catalog and of every table's rows."""
    digest = hashlib.sha256(DIGEST_CONTEXT)
    for (line,) in con.execute(_CATALOG).fetchall():
        digest.update(str(line).encode() + b"\n")
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() ORDER BY schema_name, table_name"
    ).fetchall()
    for schema, table in tables:
        if (schema, table) != ("main", META_TABLE):
            _hash_table(con, digest, schema, table)
    return digest.hexdigest()


def seal_message(state: StoreState, signer_key_id: str) -> bytes:
    """The bytes a seal signature is over."""
    lines = f"size {state.size}\nroot {state.root}\ndigest {state.digest}\nkey {signer_key_id}\n"
    return SEAL_CONTEXT + lines.encode()


def sign_seal(key: SigningKey, state: StoreState) -> StoreSeal:
    """The office's seal over ``state`` (which must carry its digest)."""
    signature = key.sign(seal_message(state, key.key_id))
    return StoreSeal(state, key.key_id, base64.b64encode(signature).decode())


def seal_problem(seal: StoreSeal, public_key: bytes) -> str | None:
    """Why ``seal`` is not a valid seal by ``public_key``, or None if it is."""
    if seal.key_id != key_id(public_key):
        return f"it was sealed by key {seal.key_id}, not by this office's key"
    try:
        signature = base64.b64decode(seal.signature, validate=True)
    except ValueError:
        return "its seal signature is not base64"
    if not verify_signature(public_key, seal_message(seal.state, seal.key_id), signature):
        return f"its seal (log size {seal.state.size}) does not verify with the office's key"
    return None
