"""Requests checked against VTEX's vendored OpenAPI specs (importer.vtex.contract)."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from importer.vtex.contract import SPEC_DIR_ENV, Contract, _pointer, find_spec_dir

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
PRICE = "/pricing/prices/123"
INVENTORY = "/api/logistics/pvt/inventory/skus/1/warehouses/1_1"
STOCK = {"quantity": 5, "unlimitedQuantity": False, "leadTime": "1.00:00:00"}
SKU = {
    "ProductId": 1,
    "Name": "Size 10",
    "RefId": "R-1",
    "PackagedHeight": 10,
    "PackagedLength": 10,
    "PackagedWidth": 10,
    "PackagedWeightKg": 100,
    "IsActive": False,
}


@pytest.fixture(scope="module")
def contract() -> Contract:
    found = find_spec_dir()
    if found is None:
        pytest.skip(
            "VTEX OpenAPI specs not found at ../shared/vtex/openapi; "
            f"set {SPEC_DIR_ENV} to the folder holding catalog.json, pricing.json, ..."
        )
    return Contract.load(found)


def check(
    contract: Contract,
    method: str,
    path: str,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> list[str]:
    return contract.check(
        method,
        path,
        query or {},
        HEADERS if headers is None else headers,
        body,
        has_body=body is not None,
    )


def test_a_valid_price_put(contract: Contract) -> None:
    body = {
        "basePrice": Decimal("19.90"),
        "costPrice": Decimal("10"),
        "listPrice": Decimal("25"),
        "fixedPrices": [{"tradePolicyId": "1", "value": Decimal("17.9"), "minQuantity": 1}],
    }
    assert check(contract, "PUT", PRICE, body) == []
    assert contract.operation_id("PUT", PRICE) == "PUT /pricing/prices/{itemId}"


def test_markup_must_be_an_integer(contract: Contract) -> None:
    body = {"costPrice": Decimal("10"), "markup": Decimal("30.5")}
    assert check(contract, "PUT", PRICE, body) == ["body.markup: 30.5 is not of type 'integer'"]


def test_a_fixed_price_without_min_quantity(contract: Contract) -> None:
    body = {"basePrice": 1, "fixedPrices": [{"tradePolicyId": "1", "value": 1}]}
    assert check(contract, "PUT", PRICE, body) == [
        "body.fixedPrices[0]: 'minQuantity' is a required property"
    ]


def test_the_accept_header_is_required(contract: Contract) -> None:
    violations = check(
        contract, "PUT", PRICE, {"basePrice": 1}, headers={"Content-Type": "application/json"}
    )
    assert violations == ["header parameter 'Accept' is required"]
    # ... on a GET too: the specs require both headers everywhere (API-NOTES §10.13)
    assert check(contract, "GET", PRICE, headers={}) == [
        "header parameter 'Content-Type' is required",
        "header parameter 'Accept' is required",
    ]


def test_header_names_are_case_insensitive(contract: Contract) -> None:
    headers = {"content-type": "application/json", "ACCEPT": "application/json"}
    assert check(contract, "GET", PRICE, headers=headers) == []


def test_an_integer_path_parameter_must_be_an_integer(contract: Contract) -> None:
    assert check(contract, "GET", "/pricing/prices/abc") == [
        "path parameter 'itemId': 'abc' is not an integer"
    ]


def test_inventory_put_without_lead_time(contract: Contract) -> None:
    body = {k: v for k, v in STOCK.items() if k != "leadTime"}
    assert check(contract, "PUT", INVENTORY, body) == ["body: 'leadTime' is a required property"]
    assert check(contract, "PUT", INVENTORY, STOCK) == []


def test_int32_format_is_checked(contract: Contract) -> None:
    assert check(contract, "PUT", INVENTORY, {**STOCK, "quantity": 2**31}) == [
        "body.quantity: 2147483648 is not a 'int32'"
    ]


def test_sku_create_missing_a_required_field(contract: Contract) -> None:
    body = {k: v for k, v in SKU.items() if k != "PackagedWeightKg"}
    assert check(contract, "POST", "/api/catalog/pvt/stockkeepingunit", body) == [
        "body: 'PackagedWeightKg' is a required property"
    ]
    assert check(contract, "POST", "/api/catalog/pvt/stockkeepingunit", SKU) == []


def test_sku_packaged_weight_is_an_integer_as_the_spec_says(contract: Contract) -> None:
    # API-NOTES §10.4: a spec quirk, validated as written.
    body = {**SKU, "PackagedWeightKg": Decimal("0.5")}
    assert check(contract, "POST", "/api/catalog/pvt/stockkeepingunit", body) == [
        "body.PackagedWeightKg: 0.5 is not of type 'integer'"
    ]


def test_product_create_names_the_closest_shape(contract: Contract) -> None:
    violations = check(contract, "POST", "/api/catalog/pvt/product", {"CategoryId": 1})
    assert violations == [
        "body: matches none of the allowed shapes (closest: body: 'Name' is a required property)"
    ]


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("PUT", "/acme/pricing/prices/1", "PUT /pricing/prices/{itemId}"),
        ("POST", "/acme/availability/v1/inventory/batch", "POST /availability/v1/inventory/batch"),
        ("GET", "/api/catalog_system/pvt/brand/list", "GET /api/catalog_system/pvt/brand/list"),
        ("GET", "/api/catalog_system/pvt/brand/7", "GET /api/catalog_system/pvt/brand/{brandId}"),
        (
            "PUT",
            "/api/catalog/pvt/stockkeepingunit/7/file/reorder",
            "PUT /api/catalog/pvt/stockkeepingunit/{skuId}/file/reorder",
        ),
    ],
)
def test_paths_find_the_most_specific_operation(
    contract: Contract, method: str, path: str, operation: str
) -> None:
    # A leading '/{account}' segment is accepted (api.vtex.com/{account}/pricing/...), and a
    # literal segment ("list", "reorder") wins over a parameter.
    assert contract.operation_id(method, path) == operation


def test_a_path_with_the_account_prefix_is_checked_too(contract: Contract) -> None:
    assert check(contract, "PUT", "/acme/pricing/prices/1", {"basePrice": 1}) == []
    assert check(contract, "PUT", "/acme/pricing/prices/x", {"basePrice": 1}) == [
        "path parameter 'itemId': 'x' is not an integer"
    ]


def test_required_query_parameter(contract: Contract) -> None:
    path = "/api/catalog/pvt/stockkeepingunit"
    assert check(contract, "GET", path) == ["query parameter 'RefId' is required"]
    assert check(contract, "GET", path, query={"RefId": "R-1"}) == []


def test_a_body_where_the_operation_takes_none(contract: Contract) -> None:
    # Batch inventory create has no request body and requires only Accept (API-NOTES §1.3).
    path = "/acme/availability/v1/inventory/batch"
    accept = {"Accept": "application/json"}
    assert check(contract, "POST", path, headers=accept) == []
    assert check(contract, "POST", path, {"x": 1}, headers=accept) == [
        "this operation takes no request body"
    ]


def test_unknown_operations(contract: Contract) -> None:
    assert check(contract, "GET", "/api/nothing") == [
        "no operation in the specs matches GET /api/nothing"
    ]
    assert check(contract, "DELETE", "/pricing/prices/1/fixed") == [
        "no DELETE operation for /pricing/prices/1/fixed "
        "(/pricing/prices/{itemId}/fixed allows GET, PATCH)"
    ]
    assert contract.operation_id("GET", "/api/nothing") is None


def test_load_is_cached_per_folder(contract: Contract) -> None:
    assert Contract.load(contract.spec_dir) is contract
    assert contract.operation_count > 300


def test_a_check_takes_well_under_a_millisecond(contract: Contract) -> None:
    body = {"basePrice": Decimal("10.5"), "costPrice": Decimal("5")}
    started = time.perf_counter()
    for _ in range(2000):
        check(contract, "PUT", PRICE, body)
    assert (time.perf_counter() - started) / 2000 < 0.001  # ~0.05 ms typical


def test_the_environment_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SPEC_DIR_ENV, str(tmp_path))
    assert find_spec_dir() is None  # set but without specs: no silent fallback
    (tmp_path / "pricing.json").write_text("{}", encoding="utf-8")
    assert find_spec_dir() == tmp_path


def _body_schema_pointers(spec: dict[str, Any]) -> list[str]:
    """The pointer of every JSON request-body schema written in a spec's paths."""
    found = []
    for template, item in spec.get("paths", {}).items():
        for verb, op in item.items():
            body = op.get("requestBody") if isinstance(op, dict) else None
            for media in (body or {}).get("content", {}):
                if "json" in media and "schema" in body["content"][media]:
                    parts = ("paths", template, verb, "requestBody", "content", media, "schema")
                    found.append(_pointer(*parts))
    return found


def test_inlined_schemas_give_the_verdicts_of_the_referenced_ones(contract: Contract) -> None:
    """The validators hold each schema with its references replaced by their targets, once
    at load (a per-request resolution was half of a body's check): for every request body of
    every spec, the same errors, in the same words and places, as the schema validated
    through its references."""
    import json

    from openapi_schema_validator import OAS30Validator

    from importer.vtex.contract import _Compiler, _format_checker

    probes: list[Any] = [{}, [], None, "text", 1, {"id": "x", "name": 2, "items": [{}]}]
    probes += [SKU, STOCK, {"basePrice": Decimal("10.5"), "markup": Decimal("1.5")}]
    checker = _format_checker()
    compared = 0
    for file in sorted(contract.spec_dir.glob("*.json")):
        compiler = _Compiler(file.stem, json.loads(file.read_text(encoding="utf-8")), checker)
        for pointer in _body_schema_pointers(compiler.spec):
            inlined = compiler.validator(pointer)
            referenced = OAS30Validator(
                {"$ref": f"{compiler.uri}#{pointer}"},
                registry=compiler.registry,
                format_checker=checker,
            )
            for probe in probes:
                assert errors(inlined, probe) == errors(referenced, probe), (file.name, pointer)
            compared += 1
    assert compared > 100


def test_a_body_check_resolves_no_reference_per_request(contract: Contract) -> None:
    found = contract._resolve("put", PRICE)
    assert found is not None and found[0].body_validator is not None
    assert "$ref" not in json_text(found[0].body_validator.schema)


def errors(validator: Any, instance: Any) -> list[tuple[str, list[Any]]]:
    return sorted((e.message, list(e.absolute_path)) for e in validator.iter_errors(instance))


def json_text(schema: Any) -> str:
    import json

    return json.dumps(schema, default=str)
