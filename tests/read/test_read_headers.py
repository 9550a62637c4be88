"""Header normalisation and matching against canonical names and config aliases."""

from __future__ import annotations

import pytest

from importer.read import HeaderMatch, match_headers, normalize_header


@pytest.mark.parametrize(
    "written",
    ["Preço Base", "preco_base", "PRECO BASE", " preço-base ", "Preço.Base", "PREÇO\u00a0BASE"],
)
def test_spellings_of_one_name_normalise_alike(written: str) -> None:
    assert normalize_header(written) == "precobase"


def test_colon_survives_for_specification_columns() -> None:
    assert normalize_header("product_spec:Cor") == "productspec:cor"
    assert normalize_header("SKU Spec: Tamanho") == "skuspec:tamanho"


def test_canonical_names_match_case_accent_and_space_insensitively() -> None:
    match = match_headers(
        ["SKU REF", "Preço Base", "Observação"], ["sku_ref", "base_price", "preco_base"], {}
    )
    assert match == HeaderMatch(
        columns={"sku_ref": 0, "preco_base": 1}, unknown=["Observação"], conflicts={}
    )


def test_alias_wins_over_a_header_that_merely_matches_the_name() -> None:
    match = match_headers(["Quantity", "Qty_1"], ["quantity"], {"quantity": ["Qty_1"]})
    assert match.columns == {"quantity": 1}
    assert match.unknown == ["Quantity"]
    assert match.conflicts == {}


def test_aliases_are_normalised_too() -> None:
    match = match_headers(
        ["Cód. Produto", "PREÇO VENDA"],
        ["sku_ref", "base_price"],
        {"sku_ref": ["Codigo", "Cod Produto"], "base_price": ["Preço Venda"]},
    )
    assert match.columns == {"sku_ref": 0, "base_price": 1}


def test_two_headers_matching_one_alias_list_conflict() -> None:
    match = match_headers(
        ["Codigo", "Cod. Produto", "Nome"], ["sku_ref"], {"sku_ref": ["Codigo", "Cod Produto"]}
    )
    assert match.columns == {}
    assert match.conflicts == {"sku_ref": ["Codigo", "Cod. Produto"]}
    assert match.unknown == ["Nome"]


def test_two_headers_matching_the_name_conflict_when_no_alias_matched() -> None:
    match = match_headers(["SKU", " sku "], ["sku"], {"sku": ["Codigo"]})
    assert match.conflicts == {"sku": ["SKU", "sku"]}
    assert match.columns == {}


def test_a_header_serves_one_canonical_name_only() -> None:
    # "ref" is configured as an alias of sku_ref; it cannot also be product_ref by alias.
    match = match_headers(
        ["ref", "product_ref"],
        ["sku_ref", "product_ref"],
        {"sku_ref": ["ref"], "product_ref": ["ref"]},
    )
    assert match.columns == {"sku_ref": 0, "product_ref": 1}
    assert match.conflicts == {}


def test_empty_headers_are_never_matched_nor_unknown() -> None:
    match = match_headers(["", "  ", "sku", "---"], ["sku"], {"sku": [""]})
    assert match.columns == {"sku": 2}
    assert match.unknown == ["---"]


def test_specification_headers_are_kept_as_written_in_unknown() -> None:
    match = match_headers(["sku_ref", "product_spec:Cor", "Sku_Spec:Tamanho"], ["sku_ref"], {})
    assert match.unknown == ["product_spec:Cor", "Sku_Spec:Tamanho"]


def test_a_single_alias_given_as_a_string_is_one_alias() -> None:
    aliases: dict[str, str] = {"sku_ref": "Codigo"}
    match = match_headers(["Codigo", "o"], ["sku_ref"], aliases)  # str is a Sequence[str]
    assert match.columns == {"sku_ref": 0}
    assert match.unknown == ["o"]
