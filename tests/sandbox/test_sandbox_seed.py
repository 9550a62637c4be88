"""`Sandbox.seed_call`: the bulk seed leaves the store exactly as the same calls over HTTP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from importer.sandbox import CONTRACT_ERROR, Faults, Sandbox, SeedRefused
from tests.conftest import seed_store


def _up_to_the_clock(value: Any) -> Any:
    """The store's JSON with every timestamp alike (ReleaseDate defaults to the call's time)."""
    if isinstance(value, dict):
        return {k: _up_to_the_clock(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_up_to_the_clock(v) for v in value]
    if isinstance(value, str) and re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        return "<time>"
    return value


def test_the_bulk_seed_leaves_the_store_the_same_calls_over_http_leave() -> None:
    # 120 SKUs: three products (50 SKUs each at most), two warehouses; every route seed_store uses.
    over_http, bulk = Sandbox(spec_dir="auto"), Sandbox(spec_dir="auto")
    seed_store(over_http, 120, warehouses=("1_1", "WH-SP"), over_http=True)
    seed_store(bulk, 120, warehouses=("1_1", "WH-SP"))
    assert _up_to_the_clock(bulk.store.to_json()) == _up_to_the_clock(over_http.store.to_json())
    assert len(bulk.skus) == 120
    assert bulk.requests == over_http.requests == []


def test_a_seed_call_the_handler_refuses_raises_with_vtex_s_answer() -> None:
    sandbox = Sandbox(spec_dir="auto")
    seed_store(sandbox, 1)
    sku = {
        "ProductId": 999_999,  # no such product
        "Name": "x",
        "RefId": "SKU-X",
        "PackagedHeight": 1,
        "PackagedLength": 1,
        "PackagedWidth": 1,
        "PackagedWeightKg": 1,
    }
    with pytest.raises(SeedRefused, match="POST /api/catalog/pvt/stockkeepingunit: 4"):
        sandbox.seed_call("POST", "/api/catalog/pvt/stockkeepingunit", sku)
    assert "SKU-X" not in {s["RefId"] for s in sandbox.skus.values()}


def test_the_first_seed_call_of_an_operation_is_checked_against_vtex_s_spec() -> None:
    sandbox = Sandbox(spec_dir="auto")
    if sandbox.contract is None:
        pytest.skip("VTEX OpenAPI specs not found")
    with pytest.raises(SeedRefused, match=CONTRACT_ERROR[:20]):
        sandbox.seed_call("POST", "/api/catalog/pvt/brand", {"Id": "not a number", "Name": 7})
    assert sandbox.brands == {} or all(b["Name"] != 7 for b in sandbox.brands.values())


def test_seed_calls_draw_no_fault_log_nothing_and_are_saved(tmp_path: Path) -> None:
    state = tmp_path / "sandbox.json"
    sandbox = Sandbox(spec_dir="auto", faults=Faults(rate_5xx=1.0, seed=3), state_file=state)
    sandbox.autosave_s = 0.0
    seed_store(sandbox, 3)
    assert [s["RefId"] for s in sandbox.skus.values()] == ["SKU-00001", "SKU-00002", "SKU-00003"]
    assert sandbox.requests == []
    assert Sandbox(spec_dir=None, state_file=state).store.to_json() == sandbox.store.to_json()
