"""Deferred signature checks: shared between the workers and the main process, in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from concord.errors import VerificationError
from concord.identity.keys import SigningKey
from concord.identity.preverify import SignaturePool
from concord.ledger.deferred import DeferredSignatures


@pytest.fixture(scope="module")
def pool() -> Iterator[SignaturePool]:
    workers = SignaturePool(1)
    yield workers
    workers.close()


def _feed(deferred: DeferredSignatures, count: int, bad: set[int]) -> None:
    key = SigningKey.generate("p")
    good = key.sign(b"message")
    forged = bytes([good[0] ^ 1]) + good[1:]
    for index in range(count):
        deferred.index = index
        deferred(key.public_key, b"message", forged if index in bad else good)
        if index % 1024 == 1023:
            deferred.pump()


def test_every_signature_is_checked_once_by_a_worker_or_here(pool: SignaturePool) -> None:
    deferred = DeferredSignatures(pool)
    _feed(deferred, 12_000, set())
    deferred.settle()  # nothing raised: all 12,000 verified


@pytest.mark.parametrize("bad", [{0}, {4_095, 11_999}, {9_000, 5_000}, {11_999}])
def test_the_first_bad_signature_is_reported_wherever_it_was_checked(
    pool: SignaturePool, bad: set[int]
) -> None:
    deferred = DeferredSignatures(pool)

    def feed_and_settle() -> None:  # a chunk found bad is reported as soon as it is settled
        _feed(deferred, 12_000, bad)
        deferred.settle()

    with pytest.raises(VerificationError, match=rf"^entry {min(bad)}: its signature"):
        feed_and_settle()
    deferred.settle()  # after the first problem, later ones are not reported over it


def test_when_the_workers_are_busy_the_main_process_checks_chunks_itself(
    pool: SignaturePool,
) -> None:
    deferred = DeferredSignatures(pool)
    _feed(deferred, 40_000, {39_999})  # chunks arrive faster than one worker checks them
    assert deferred.checked_here > 0
    with pytest.raises(VerificationError, match=r"^entry 39999: "):
        deferred.settle()


def test_an_error_found_later_in_the_walk_does_not_hide_an_earlier_bad_signature(
    pool: SignaturePool,
) -> None:
    deferred = DeferredSignatures(pool)
    _feed(deferred, 3_000, {2_500})
    # The walk fails at entry 3,000 for another reason; the verifier settles first.
    with pytest.raises(VerificationError, match=r"^entry 2500: "):
        deferred.settle()
