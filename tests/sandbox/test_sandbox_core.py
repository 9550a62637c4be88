"""Auth, routing, the contract gate, the request log and the async transport."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from importer.sandbox import CONTRACT_ERROR, Sandbox
from importer.sandbox.router import ROUTES, Match, Router
from importer.vtex.contract import Contract

ClientFactory = Callable[..., httpx.Client]

SKU_1 = "/api/catalog/pvt/stockkeepingunit/1"


def test_request_without_credentials_is_401(sandbox: Sandbox, make_client: ClientFactory) -> None:
    response = make_client(auth=False).get(SKU_1)
    assert response.status_code == 401
    assert "AppKey" in response.json()["error"]
    assert sandbox.requests[-1].auth_ok is False


@pytest.mark.parametrize(
    "headers",
    [
        {"X-VTEX-API-AppKey": "sandbox-key"},  # token missing
        {"X-VTEX-API-AppKey": "sandbox-key", "X-VTEX-API-AppToken": "wrong"},
        {"X-VTEX-API-AppKey": "other-key", "X-VTEX-API-AppToken": "sandbox-token"},
    ],
)
def test_both_credentials_must_match(make_client: ClientFactory, headers: dict[str, str]) -> None:
    assert make_client(auth=False).get(SKU_1, headers=headers).status_code == 401


def test_credential_header_names_are_case_insensitive(
    make_client: ClientFactory, auth_headers: dict[str, str]
) -> None:
    lower = {name.lower(): value for name, value in auth_headers.items()}
    assert make_client(auth=False).get(SKU_1, headers=lower).status_code == 200


def test_the_log_never_holds_the_app_token(sandbox: Sandbox, make_client: ClientFactory) -> None:
    make_client().get(SKU_1)
    make_client(auth=False).get(SKU_1, headers={"X-VTEX-API-AppToken": "wrong-secret"})
    assert "sandbox-token" not in repr(sandbox.requests)
    assert "wrong-secret" not in repr(sandbox.requests)
    assert sandbox.requests[0].headers["x-vtex-api-appkey"] == "sandbox-key"
    assert [r.auth_ok for r in sandbox.requests] == [True, False]


def test_unknown_route_is_404_and_wrong_method_405(client: httpx.Client) -> None:
    assert client.get("/api/nothing/here").status_code == 404
    response = client.delete(SKU_1)
    assert response.status_code == 405
    assert "GET, PUT" in response.json()["error"]


def test_a_leading_account_segment_is_accepted(client: httpx.Client, sandbox: Sandbox) -> None:
    # As on api.vtex.com/{account}/pricing/... and logistics.vtexcommercestable.com.br/{account}/
    assert client.put("/sandbox/pricing/prices/1", json={"basePrice": 10}).status_code == 200
    logged = sandbox.requests[-1]
    assert (logged.raw_path, logged.path) == ("/sandbox/pricing/prices/1", "/pricing/prices/1")
    assert logged.operation == "PUT /pricing/prices/{itemId}"
    assert sandbox.requests_to("PUT", "/pricing/prices/{itemId}") == [logged]
    assert sandbox.requests_to("put", "/pricing/prices/1") == [logged]
    assert sandbox.requests_to("GET", "/pricing/prices/{itemId}") == []


def _scan_every_route(method: str, path: str) -> Match:
    """Routing as the table reads, without the router's index: every route, literals first."""
    candidates = [path]
    if "/" in path.removeprefix("/"):
        candidates.append("/" + path.removeprefix("/").split("/", 1)[1])
    allowed: set[str] = set()
    first_hit: str | None = None
    for candidate in candidates:
        for route in sorted(ROUTES, key=lambda r: r.specificity):
            found = route.pattern.fullmatch(candidate)
            if found is None:
                continue
            if route.method == method:
                return Match(candidate, route, found.groupdict())
            allowed.add(route.method)
            first_hit = first_hit or candidate
    return Match(first_hit or path, None, {}, tuple(sorted(allowed)))


def test_the_router_index_routes_every_path_as_the_whole_table_does() -> None:
    """Every template with its parameters filled, with and without an account segment, by
    every method, plus near misses: the indexed router and a scan of every route agree."""
    paths = {"/", "/api", "/api/nothing/here", "/pricing/prices/1/", "//pricing/prices/1"}
    for route in ROUTES:
        concrete = re.sub(r"\{[^}]+\}", "7", route.template)
        paths |= {
            concrete,
            "/teststore" + concrete,
            concrete + "/extra",
            concrete.rsplit("/", 1)[0],
        }
    router = Router()
    methods = ("GET", "PUT", "POST", "PATCH", "DELETE")
    for path in sorted(paths):
        for method in methods:
            assert router.match(method, path) == _scan_every_route(method, path), (method, path)


def test_invalid_json_is_400(client: httpx.Client) -> None:
    response = client.put("/pricing/prices/1", content=b"{not json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]


def test_a_request_the_spec_rejects_is_400_with_its_violations(
    spec_dir: Path, client: httpx.Client, sandbox: Sandbox
) -> None:
    response = client.put("/pricing/prices/1", json={"basePrice": 10, "markup": 2.5})
    assert response.status_code == 400
    violation = "body.markup: 2.5 is not of type 'integer'"
    assert response.json() == {"error": CONTRACT_ERROR, "violations": [violation]}
    assert sandbox.requests[-1].violations == (violation,)
    assert 1 not in sandbox.prices


def test_a_get_without_accept_breaks_the_contract(
    spec_dir: Path, make_client: ClientFactory
) -> None:
    no_accept = make_client()
    del no_accept.headers["Accept"]
    response = no_accept.get(SKU_1)
    assert response.status_code == 400
    assert response.json()["violations"] == ["header parameter 'Accept' is required"]


def test_the_contract_can_be_switched_off(make_client: ClientFactory) -> None:
    box = Sandbox(spec_dir=None)
    assert box.contract is None
    client = make_client(box)
    # The handler still refuses what it cannot apply, but not what only the spec forbids.
    assert client.put("/pricing/prices/1", json={"basePrice": 1, "markup": 2.5}).status_code == 400
    del client.headers["Accept"]
    assert client.get("/api/catalog/pvt/stockkeepingunit/99").status_code == 404


def test_every_route_is_an_operation_of_the_specs(spec_dir: Path) -> None:
    contract = Contract.load(spec_dir)
    for route in ROUTES:
        path = "/".join("7" if s.startswith("{") else s for s in route.template.split("/"))
        assert contract.operation_id(route.method, path) == route.id


def test_an_async_client_uses_the_same_handler(
    sandbox: Sandbox, auth_headers: dict[str, str], json_headers: dict[str, str]
) -> None:
    async def scenario() -> tuple[int, object]:
        transport = sandbox.async_transport()
        headers = {**auth_headers, **json_headers}
        base_url = "https://api.vtex.com/sandbox"
        async with httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers) as c:
            put = await c.put("/pricing/prices/3", json={"basePrice": 12})
            got = await c.get("/pricing/prices/3")
            return put.status_code, got.json()["basePrice"]

    assert asyncio.run(scenario()) == (200, 12)
    assert sandbox.prices[3]["basePrice"] == 12


def test_in_process_overhead_is_small(client: httpx.Client) -> None:
    started = time.perf_counter()
    for number in range(1, 301):
        client.put(f"/pricing/prices/{number}", json={"basePrice": 10, "costPrice": 5})
    per_request = (time.perf_counter() - started) / 300
    assert per_request < 0.005  # ~0.2 ms typical, client included; generous for slow CI


def test_a_forbidden_operation_is_403(make_client: ClientFactory) -> None:
    box = Sandbox(forbidden=frozenset({"POST /api/catalog/pvt/brand"}))
    box.seed_demo()
    client = make_client(box)
    response = client.post("/api/catalog/pvt/brand", json={"Id": 7, "Name": "Acme"})
    assert response.status_code == 403
    assert "POST /api/catalog/pvt/brand" in response.json()["error"]
    assert 7 not in box.brands
    assert box.requests[-1].status == 403
    assert client.get("/api/catalog/pvt/brand/1").status_code == 200  # other operations work
    assert client.put("/api/catalog/pvt/brand/1", json={"Id": 1, "Name": "Demo"}).status_code == 200


def test_forbidden_can_be_changed_and_is_checked(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.forbidden = {"PUT /pricing/prices/{itemId}"}
    assert sandbox.forbidden == frozenset({"PUT /pricing/prices/{itemId}"})
    assert client.put("/pricing/prices/1", json={"basePrice": 1}).status_code == 403
    assert (
        client.put("/pricing/prices/1", json={"basePrice": "x"}).status_code == 403
    )  # before the contract
    sandbox.forbidden = frozenset()
    assert client.put("/pricing/prices/1", json={"basePrice": 1}).status_code == 200
    with pytest.raises(ValueError, match="not operations of the sandbox"):
        sandbox.forbidden = {"POST /api/catalog/pvt/brands"}
