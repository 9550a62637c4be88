"""Unmapped headers that look like a flow's columns become warnings about the file."""

from __future__ import annotations

import pytest

from importer.flows.catalog.spec import CATALOG
from importer.flows.inventory import INVENTORY
from importer.flows.prices import PRICES
from importer.lookalike import lookalikes

ALIASES = {"base_price": ["Preço Venda"], "list_price": ["Preço De"]}


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Preço Custo", "cost_price"),
        ("PRECO_CUSTO", "cost_price"),
        ("Custo Médio", "cost_price"),
        ("costPrice", "cost_price"),
        ("cost_prce", "cost_price"),  # a typo
        ("Preço Lista", "list_price"),
        ("Margem", "markup"),
        ("Preço Fixo", "fixed_price"),
        ("Política Comercial", "trade_policy"),
        ("Qtd Mínima", "min_quantity"),
        ("Data Início", "valid_from"),
        ("Vigência Fim", "valid_to"),
        ("Preco Vendas", "base_price"),  # one letter from the alias
    ],
)
def test_price_headers_that_look_like_a_column(header: str, column: str) -> None:
    found = lookalikes([header], PRICES.names, ALIASES, {"sku_ref", "sku_id"})
    assert found == [(header, [column])]


@pytest.mark.parametrize(
    "header", ["Descrição", "Preço", "Preço De Tabela Antiga", "Estoque", "SKU", "EAN", "Obs"]
)
def test_headers_that_look_like_no_price_column(header: str) -> None:
    # "Preço De Tabela Antiga" shares words with list_price's alias but is not near it, and
    # "de" is Brazil's list price, never a start date.
    found = lookalikes([header], PRICES.names, ALIASES, {"sku_ref", "sku_id", "base_price"})
    assert found == [] or found[0][1] == ["list_price"]
    if header != "Preço De Tabela Antiga":
        assert found == []


def test_a_column_the_file_already_carries_is_not_suggested() -> None:
    present = {"sku_ref", "base_price", "cost_price"}
    assert lookalikes(["Preço Custo"], PRICES.names, ALIASES, present) == []


def test_other_flows() -> None:
    assert lookalikes(["Depósito"], INVENTORY.names, {}, {"sku_ref", "sku_id", "quantity"}) == [
        ("Depósito", ["warehouse_id"])
    ]
    assert lookalikes(["Peso", "Marca"], CATALOG.names, {}, {"sku_ref", "brand"}) == [
        ("Peso", ["weight_kg"])
    ]
