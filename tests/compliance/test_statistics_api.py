"""The statistics package's public surface."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

from concord.compliance import statistics

MODULES = ("cusum", "d_statistic", "item_test", "materiality", "sampling", "uncertainty")


def test_exports_are_complete_and_resolvable() -> None:
    # Three modules share a name with their main function (``cusum.cusum``), so the
    # package attribute is the function; load the modules by their dotted names.
    public: set[str] = set()
    for name in MODULES:
        module = importlib.import_module(f"concord.compliance.statistics.{name}")
        public |= {
            attribute
            for attribute, value in vars(module).items()
            if not attribute.startswith("_")
            and getattr(value, "__module__", None) == module.__name__
            and (inspect.isfunction(value) or inspect.isclass(value))
        }
    assert len(public) > 20
    assert public <= set(statistics.__all__)
    assert all(hasattr(statistics, name) for name in statistics.__all__)


def test_result_types_are_frozen_slotted_dataclasses() -> None:
    for name in statistics.__all__:
        value = getattr(statistics, name)
        if inspect.isclass(value):
            assert dataclasses.is_dataclass(value), name
            params = value.__dataclass_params__  # type: ignore[attr-defined]
            assert params.frozen, name
            assert "__slots__" in vars(value), name
