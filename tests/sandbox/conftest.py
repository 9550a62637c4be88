"""Fixtures for the sandbox tests: a demo-seeded sandbox and clients on its transport."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from importer.sandbox import Sandbox
from importer.vtex.contract import find_spec_dir

BASE_URL = "https://sandbox.vtexcommercestable.com.br"
AUTH = {"X-VTEX-API-AppKey": "sandbox-key", "X-VTEX-API-AppToken": "sandbox-token"}
# The specs make both headers required on every operation, GETs included (API-NOTES §10.13).
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}

ClientFactory = Callable[..., httpx.Client]


@pytest.fixture
def spec_dir() -> Path:
    """The vendored OpenAPI specs; tests that need the contract skip without them."""
    found = find_spec_dir()
    if found is None:
        pytest.skip(
            "VTEX OpenAPI specs not found at ../shared/vtex/openapi; "
            "set IMPORTER_OPENAPI_DIR to the folder holding catalog.json, pricing.json, ..."
        )
    return found


@pytest.fixture
def auth_headers() -> dict[str, str]:
    return dict(AUTH)


@pytest.fixture
def json_headers() -> dict[str, str]:
    return dict(JSON_HEADERS)


@pytest.fixture
def slept() -> list[float]:
    """What the sandbox slept (latency), instead of sleeping."""
    return []


@pytest.fixture
def sandbox(slept: list[float]) -> Sandbox:
    box = Sandbox(sleep=slept.append)
    box.seed_demo()
    return box


@pytest.fixture
def make_client(sandbox: Sandbox) -> Iterator[ClientFactory]:
    """httpx.Client(s) on the sandbox's transport; `auth=False` leaves the credentials out."""
    clients: list[httpx.Client] = []

    def factory(
        box: Sandbox | None = None, *, auth: bool = True, base_url: str = BASE_URL
    ) -> httpx.Client:
        headers = {**AUTH, **JSON_HEADERS} if auth else dict(JSON_HEADERS)
        transport = (box or sandbox).transport()
        clients.append(httpx.Client(transport=transport, base_url=base_url, headers=headers))
        return clients[-1]

    yield factory
    for c in clients:
        c.close()


@pytest.fixture
def client(make_client: ClientFactory) -> httpx.Client:
    return make_client()


SkuFactory = Callable[..., int]
ImageAdder = Callable[..., httpx.Response]


@pytest.fixture
def new_sku(client: httpx.Client) -> SkuFactory:
    """Create an inactive SKU under the demo product (ActivateIfPossible unless told otherwise);
    a keyword set to None is left out of the body."""
    numbers = itertools.count(1)

    def create(**changes: Any) -> int:
        body: dict[str, Any] = {
            "ProductId": 1,
            "Name": "Size 10",
            "RefId": f"NEW-{next(numbers)}",
            "PackagedHeight": 10,
            "PackagedLength": 10,
            "PackagedWidth": 10,
            "PackagedWeightKg": 100,
            "IsActive": False,
            "ActivateIfPossible": True,
            **changes,
        }
        response = client.post(
            "/api/catalog/pvt/stockkeepingunit",
            json={k: v for k, v in body.items() if v is not None},
        )
        assert response.status_code == 200, response.text
        return int(response.json()["Id"])

    return create


@pytest.fixture
def add_image(client: httpx.Client) -> ImageAdder:
    """POST an image to an SKU: add_image(sku_id, url=..., Name=..., IsMain=...)."""

    def add(
        sku_id: int, url: str = "https://images.example.com/a.jpg", **fields: Any
    ) -> httpx.Response:
        body = {"Name": "front", "Url": url, **fields}
        return client.post(f"/api/catalog/pvt/stockkeepingunit/{sku_id}/file", json=body)

    return add
