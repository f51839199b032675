"""The generated scenario as the parties hand it to the office, quarter by quarter.

The office evaluates a quarter once its measurements (due 45 days after it ends) and
late declarations are in: :data:`EVALUATION_LAG` after the quarter ends. Each batch
holds the statements issued by then and not in an earlier batch, as submissions (the
envelope and the tables it commits to), one JSON object a line: the file
``concord submit`` takes. What is issued after the last quarter's evaluation goes to
``later.jsonl``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from concord.errors import ConfigurationError
from concord.ledger.statements import parse_time
from concord.scenario.generator import GeneratedStatement, Scenario
from concord.submission import Submission
from concord.treaty.calendar import parse_period

EVALUATION_LAG = timedelta(days=75)
LATER = "later"


@dataclass(frozen=True, slots=True)
class Batch:
    """The statements to submit before ``period`` is evaluated (``later``: after the last)."""

    period: str
    statements: tuple[GeneratedStatement, ...]

    @property
    def file_name(self) -> str:
        return f"{self.period}.jsonl"


def issued_at(statement: GeneratedStatement) -> datetime:
    payload = json.loads(statement.envelope.payload)
    return parse_time(payload["issued_at"], what="issued_at")


def evaluation_cut(period_end: datetime) -> datetime:
    """The last moment whose statements are in before the quarter is evaluated."""
    return period_end + EVALUATION_LAG


def batches(scenario: Scenario) -> list[Batch]:
    """The scenario's statements, in log order, cut before each quarter's evaluation."""
    pending = list(scenario.statements)
    out: list[Batch] = []
    for period in scenario.truth.periods:
        end = datetime.combine(parse_period(period).end, datetime.min.time(), UTC)
        cut = evaluation_cut(end)
        taken = 0
        while taken < len(pending) and issued_at(pending[taken]) <= cut:
            taken += 1
        out.append(Batch(period, tuple(pending[:taken])))
        pending = pending[taken:]
    if pending:
        out.append(Batch(LATER, tuple(pending)))
    return out


def _line(statement: GeneratedStatement) -> str:
    submission = Submission(statement.envelope, dict(statement.blobs))
    return json.dumps(submission.to_json(), sort_keys=True, separators=(",", ":")) + "\n"


def write_batches(scenario: Scenario, directory: Path) -> list[Path]:
    """Write each batch as ``<period>.jsonl`` in ``directory``; the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for batch in batches(scenario):
        path = directory / batch.file_name
        path.write_text("".join(_line(s) for s in batch.statements), encoding="utf-8")
        written.append(path)
    return written


def write_keys(scenario: Scenario, directory: Path) -> list[Path]:
    """Write the key pair of every party and inspector (FILE and FILE.pub) into
    ``directory``; an existing key file is refused before anything is written."""
    paths = [directory / f"{m.principal_id}.json" for m in scenario.cast.registered]
    existing = [p for p in paths if p.exists() or p.with_name(p.name + ".pub").exists()]
    if existing:
        raise ConfigurationError(
            f"{existing[0]}: exists; refusing to overwrite a key file",
            details=["pass --keys with a new folder"],
        )
    directory.mkdir(parents=True, exist_ok=True)
    for member, path in zip(scenario.cast.registered, paths, strict=True):
        member.key.save_pair(path)
    return paths
