"""The treaty domain's service: load, check, version and register treaties.

Every function that can fail raises :class:`concord.errors.TreatyError` whose
``details`` list every problem found, each as ``path: message (line N)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from concord.errors import TreatyError
from concord.treaty.checking import check_treaty_document
from concord.treaty.loader import parse_yaml, read_yaml_file, validate_model
from concord.treaty.models import Amendment, Treaty
from concord.treaty.problems import Problem
from concord.treaty.schemas import TreatyAmended, TreatyRegistered, document_sha256
from concord.treaty.versions import TreatyVersion, apply_amendments, check_amendment
from concord.treaty.versions import treaty_at as _treaty_at

__all__ = [
    "amendment_payload",
    "check_amendment_text",
    "check_treaty_file",
    "check_treaty_text",
    "load_amendment_text",
    "load_treaty_file",
    "load_treaty_text",
    "registration_payload",
    "treaty_at",
    "treaty_from_registration",
    "treaty_summary",
]


def _fail(what: str, source: str, problems: Sequence[Problem]) -> TreatyError:
    count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
    return TreatyError(f"{what} {source} is invalid: {count}", details=[str(p) for p in problems])


def check_treaty_text(text: str, source: str = "<treaty>") -> tuple[Treaty | None, list[Problem]]:
    """The treaty in ``text`` (None if invalid) and every problem found in it."""
    doc, problems = parse_yaml(text, source)
    if doc is None:
        return None, problems
    treaty, found = check_treaty_document(doc)
    problems = problems + found
    return (treaty if not problems else None), problems


def load_treaty_text(text: str, source: str = "<treaty>") -> Treaty:
    """Load and fully check a treaty; raise TreatyError listing every problem."""
    treaty, problems = check_treaty_text(text, source)
    if treaty is None:
        raise _fail("treaty", source, problems)
    return treaty


def _read(path: Path | str) -> str:
    return read_yaml_file(path, "treaty file")


def check_treaty_file(path: Path | str) -> list[Problem]:
    """Every problem in a treaty file (an empty list: the file is valid)."""
    return check_treaty_text(_read(path), str(path))[1]


def load_treaty_file(path: Path | str) -> Treaty:
    return load_treaty_text(_read(path), str(path))


def load_amendment_text(text: str, source: str = "<amendment>") -> Amendment:
    """Load an amendment file's structure (see :func:`check_amendment_text` for the rest)."""
    doc, problems = parse_yaml(text, source)
    amendment = None
    if doc is not None:
        amendment, found = validate_model(Amendment, doc)
        problems += found
    if amendment is None or problems:
        raise _fail("amendment", source, problems)
    return amendment


def check_amendment_text(
    treaty: Treaty, text: str, source: str = "<amendment>", earlier: Sequence[Amendment] = ()
) -> list[Problem]:
    """Every problem in an amendment to ``treaty`` (after the ``earlier`` amendments)."""
    doc, problems = parse_yaml(text, source)
    if doc is None:
        return problems
    amendment, found = validate_model(Amendment, doc)
    if amendment is None:
        return problems + found
    base, _, earlier_problems = apply_amendments(treaty, earlier)
    if earlier_problems:
        return problems + check_amendment(treaty, amendment, doc.problem)
    _, _, found = apply_amendments(base, [amendment], locators=[doc.problem])
    return problems + found


def treaty_at(treaty: Treaty, amendments: Sequence[Amendment], day: date) -> TreatyVersion:
    """The treaty in force on ``day``, with the provenance of every amended value."""
    return _treaty_at(treaty, amendments, day)


def treaty_summary(treaty: Treaty) -> dict[str, int]:
    """Counts a user checks a treaty by: provisions, requirements, rules, …"""
    return {
        "parties": len(treaty.parties),
        "chapters": len(treaty.chapters),
        "provisions": len(treaty.provisions),
        "sectors": len(treaty.sectors),
        "requirements": len(treaty.requirements),
        "fee schedules": len(treaty.fee_schedules),
        "priority rules": len(treaty.claim_priority.rules),
        "dispute stages": len(treaty.dispute_procedure.stages) if treaty.dispute_procedure else 0,
    }


def registration_payload(text: str, source: str = "<treaty>") -> TreatyRegistered:
    """The body of a ``treaty.registered`` statement for a treaty file (checked first)."""
    treaty = load_treaty_text(text, source)
    return TreatyRegistered(
        treaty_id=treaty.id,
        title=treaty.title,
        document_sha256=document_sha256(text),
        document=text,
        signed=treaty.dates.signed,
        ratified=treaty.dates.ratified,
        entry_into_force=treaty.dates.entry_into_force,
    )


def treaty_from_registration(payload: TreatyRegistered) -> Treaty:
    """Re-load a registered treaty from the record; its id must match the statement."""
    treaty = load_treaty_text(payload.document, f"registered treaty {payload.treaty_id}")
    if treaty.id != payload.treaty_id:
        raise TreatyError(f'the document is treaty "{treaty.id}", not "{payload.treaty_id}"')
    return treaty


def amendment_payload(
    treaty: Treaty, text: str, source: str = "<amendment>", earlier: Sequence[Amendment] = ()
) -> TreatyAmended:
    """The body of a ``treaty.amended`` statement (the amendment is checked first)."""
    problems = check_amendment_text(treaty, text, source, earlier)
    if problems:
        raise _fail("amendment", source, problems)
    amendment = load_amendment_text(text, source)
    return TreatyAmended(
        treaty_id=treaty.id,
        amendment_id=amendment.id,
        document_sha256=document_sha256(text),
        document=text,
        effective_date=amendment.effective_date,
    )
