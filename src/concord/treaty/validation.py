"""Cross-reference checks on a treaty that already matches the format's models.

Each check returns every problem it finds; :func:`validate_treaty` runs them all. Sector
geometry and claim-priority rules have their own modules (:mod:`.geometry_checks`,
:mod:`.priority_checks`).
"""

from __future__ import annotations

import re
from collections import Counter

from concord.errors import TreatyError
from concord.treaty.calendar import parse_period
from concord.treaty.geometry_checks import check_sectors
from concord.treaty.loader import Locator, plain_problem
from concord.treaty.models import Treaty
from concord.treaty.priority_checks import check_priority
from concord.treaty.problems import PathPart, Problem
from concord.treaty.procedure import FIRST_EVENT
from concord.treaty.refs import check_effective, duplicates, provision_ids, unknown_refs
from concord.treaty.requirements import REPORTER_ROLES, FeeScheduleCheck, ReportDue, SqlCheck

_READ_ONLY_SQL = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


def validate_treaty(treaty: Treaty, locate: Locator = plain_problem) -> list[Problem]:
    """Every cross-reference problem of ``treaty``, each at its path."""
    problems: list[Problem] = []
    for check in (
        _check_dates,
        _check_ids,
        _check_parties,
        _check_provisions,
        _check_calendar,
        _check_requirements,
        _check_fee_schedules,
        _check_refusal_reasons,
        _check_procedure,
        check_sectors,
        check_priority,
    ):
        problems.extend(check(treaty, locate))
    return problems


def _check_dates(treaty: Treaty, locate: Locator) -> list[Problem]:
    d = treaty.dates
    out = []
    if d.ratified < d.signed:
        out.append(locate(["dates", "ratified"], f"{d.ratified} is before signature ({d.signed})"))
    if d.entry_into_force < d.ratified:
        out.append(
            locate(
                ["dates", "entry_into_force"],
                f"{d.entry_into_force} is before ratification ({d.ratified})",
            )
        )
    return out


def _check_ids(treaty: Treaty, locate: Locator) -> list[Problem]:
    out = duplicates([p.id for p in treaty.parties], ["parties"], locate)
    out += duplicates([c.id for c in treaty.chapters], ["chapters"], locate)
    out += duplicates([p.id for p in treaty.provisions], ["provisions"], locate)
    out += duplicates(
        [str(p.article) for p in treaty.provisions], ["provisions"], locate, "article"
    )
    out += duplicates([s.id for s in treaty.sectors], ["sectors"], locate)
    out += duplicates([r.id for r in treaty.requirements], ["requirements"], locate)
    out += duplicates([f.id for f in treaty.fee_schedules], ["fee_schedules"], locate)
    return out


def _check_parties(treaty: Treaty, locate: Locator) -> list[Problem]:
    out = []
    for i, party in enumerate(treaty.parties):
        if party.kind == "signatory" and party.signed is None:
            out.append(locate(["parties", i, "signed"], "a signatory needs its signature date"))
        if party.bound_to and party.bound_to < (party.bound_from or treaty.dates.entry_into_force):
            out.append(locate(["parties", i, "bound_to"], "ends before the party is bound"))
    if not any(p.kind == "office" for p in treaty.parties):
        out.append(locate(["parties"], "no party of kind office (the monitoring office)"))
    return out


def _check_provisions(treaty: Treaty, locate: Locator) -> list[Problem]:
    chapters = {c.id for c in treaty.chapters}
    out = []
    for i, provision in enumerate(treaty.provisions):
        if provision.chapter not in chapters:
            out.append(
                locate(["provisions", i, "chapter"], f'unknown chapter "{provision.chapter}"')
            )
        out += check_effective(provision, ["provisions", i], treaty, locate)
    return out


def _check_calendar(treaty: Treaty, locate: Locator) -> list[Problem]:
    cal = treaty.calendar
    try:
        first = parse_period(cal.first_period, cal.period)
    except TreatyError as exc:
        return [locate(["calendar", "first_period"], exc.message)]
    if first.start < treaty.dates.entry_into_force:
        return [
            locate(
                ["calendar", "first_period"],
                f"{first.id} starts {first.start}, before entry into force "
                f"({treaty.dates.entry_into_force})",
            )
        ]
    return []


def _check_requirements(treaty: Treaty, locate: Locator) -> list[Problem]:
    provisions = provision_ids(treaty)
    reporters = {p.id for p in treaty.parties} | set(REPORTER_ROLES)
    sectors = {s.id for s in treaty.sectors}
    schedules = {f.id: f for f in treaty.fee_schedules}
    out = []
    for i, req in enumerate(treaty.requirements):
        path: list[PathPart] = ["requirements", i]
        out += unknown_refs(req.cites, provisions, [*path, "cites"], locate, "provision")
        out += unknown_refs(req.reporters, reporters, [*path, "reporters"], locate, "reporter")
        out += check_effective(req, path, treaty, locate)
        scoped = getattr(req.params, "sectors", [])
        out += unknown_refs(scoped, sectors, [*path, "params", "sectors"], locate, "sector")
        if isinstance(req, ReportDue) and req.deadline_days is not None:
            due = req.params.due_days_after_period_end
            if req.deadline_days < due:
                out.append(
                    locate(
                        [*path, "deadline_days"],
                        f"{req.deadline_days} is before the report is due ({due})",
                    )
                )
        if isinstance(req, FeeScheduleCheck):
            schedule = schedules.get(req.params.schedule)
            if schedule is None:
                out.append(
                    locate(
                        [*path, "params", "schedule"],
                        f'unknown fee schedule "{req.params.schedule}"',
                    )
                )
            elif schedule.fee_kind != req.params.fee_kind:
                out.append(
                    locate(
                        [*path, "params", "fee_kind"],
                        f'schedule "{schedule.id}" is for {schedule.fee_kind} fees, '
                        f"not {req.params.fee_kind}",
                    )
                )
        if isinstance(req, SqlCheck) and not _is_single_select(req.params.query):
            out.append(
                locate(
                    [*path, "params", "query"], "must be one read-only SELECT (or WITH) statement"
                )
            )
    return out


def _is_single_select(query: str) -> bool:
    body = query.strip().removesuffix(";")
    return bool(_READ_ONLY_SQL.match(body)) and ";" not in body


def _check_fee_schedules(treaty: Treaty, locate: Locator) -> list[Problem]:
    provisions = provision_ids(treaty)
    out = []
    for i, schedule in enumerate(treaty.fee_schedules):
        path: list[PathPart] = ["fee_schedules", i]
        out += unknown_refs(schedule.cites, provisions, [*path, "cites"], locate, "provision")
        previous = None
        for j, version in enumerate(schedule.versions):
            vpath = [*path, "versions", j]
            if version.effective_from < treaty.dates.signed:
                out.append(
                    locate(
                        [*vpath, "effective_from"], f"{version.effective_from} is before signature"
                    )
                )
            if previous is not None and version.effective_from <= previous:
                out.append(
                    locate([*vpath, "effective_from"], "versions must be in increasing date order")
                )
            previous = version.effective_from
            keys = Counter((r.vessel_class, r.berth) for r in version.rates)
            for k, rate in enumerate(version.rates):
                if keys[(rate.vessel_class, rate.berth)] > 1:
                    out.append(
                        locate(
                            [*vpath, "rates", k],
                            f"more than one rate for {rate.vessel_class} at {rate.berth}",
                        )
                    )
    return out


def _check_refusal_reasons(treaty: Treaty, locate: Locator) -> list[Problem]:
    reasons = treaty.docking_refusal_reasons
    out = duplicates([r.code for r in reasons], ["docking_refusal_reasons"], locate, "code")
    provisions = provision_ids(treaty)
    for i, reason in enumerate(reasons):
        path: list[PathPart] = ["docking_refusal_reasons", i, "cites"]
        out += unknown_refs(reason.cites, provisions, path, locate, "provision")
    return out


def _check_procedure(treaty: Treaty, locate: Locator) -> list[Problem]:
    proc = treaty.dispute_procedure
    if proc is None:
        return []
    provisions = provision_ids(treaty)
    offices = {p.id for p in treaty.parties if p.kind == "office"}
    out = []
    if proc.forum not in offices:
        out.append(locate(["dispute_procedure", "forum"], f'"{proc.forum}" is not an office party'))
    out += unknown_refs(proc.cites, provisions, ["dispute_procedure", "cites"], locate, "provision")
    out += duplicates([s.id for s in proc.stages], ["dispute_procedure", "stages"], locate)
    events = {FIRST_EVENT} | {s.ends for s in proc.stages}
    for i, stage in enumerate(proc.stages):
        path: list[PathPart] = ["dispute_procedure", "stages", i]
        out += unknown_refs(stage.cites, provisions, [*path, "cites"], locate, "provision")
        if stage.starts not in events:
            out.append(
                locate(
                    [*path, "starts"],
                    f'no stage ends with "{stage.starts}" (nor is it {FIRST_EVENT})',
                )
            )
        if stage.within is None and stage.not_before is None:
            out.append(locate(path, "a stage needs a time limit: within or not_before"))
        if (
            stage.at_most
            and stage.within
            and stage.at_most.approx_days() < stage.within.approx_days()
        ):
            out.append(
                locate(
                    [*path, "at_most"], f"{stage.at_most} is shorter than within ({stage.within})"
                )
            )
    return out
