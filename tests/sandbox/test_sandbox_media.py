"""SKU EANs (they pile up) and SKU files (images: every POST adds one, URLs are checked)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from importer.sandbox import Sandbox
from importer.sandbox.files import MAX_FILES_PER_SKU

SkuFactory = Callable[..., int]  # the `new_sku` fixture
ImageAdder = Callable[..., httpx.Response]  # the `add_image` fixture

EAN = "/api/catalog/pvt/stockkeepingunit/{}/ean"
FILES = "/api/catalog/pvt/stockkeepingunit/{}/file"


# --------------------------------------------------------------------------- EANs


def test_an_ean_posted_twice_is_there_twice(client: httpx.Client, sandbox: Sandbox) -> None:
    for ean in ("7891234567890", "7891234567890", "7890000000001"):
        response = client.post(EAN.format(1) + f"/{ean}")
        assert (response.status_code, response.content) == (200, b"")
    listed = client.get(EAN.format(1))
    assert listed.json() == ["7891234567890", "7891234567890", "7890000000001"]
    assert sandbox.sku_eans(1) == listed.json()


def test_deleting_an_ean_removes_every_copy(client: httpx.Client) -> None:
    for ean in ("111", "111", "222"):
        client.post(EAN.format(1) + f"/{ean}")
    assert client.delete(EAN.format(1) + "/111").status_code == 200
    assert client.get(EAN.format(1)).json() == ["222"]
    assert client.delete(EAN.format(1) + "/111").status_code == 404  # no longer there
    assert client.delete(EAN.format(1)).status_code == 200
    assert client.get(EAN.format(1)).json() == []
    assert client.delete(EAN.format(1)).status_code == 200  # none left: still 200


def test_an_ean_another_sku_holds_is_refused_until_that_sku_lets_it_go(
    client: httpx.Client, sandbox: Sandbox
) -> None:
    """VTEX keeps an EAN on one SKU (it looks SKUs up by EAN): the sandbox refuses the second
    holder with 409 naming the first, and takes it once the first one's EAN is deleted."""
    assert client.post(EAN.format(1) + "/7891234567890").status_code == 200
    refused = client.post(EAN.format(2) + "/7891234567890")
    assert refused.status_code == 409
    assert "SKU 1" in refused.text
    assert sandbox.sku_eans(2) == []
    assert client.post(EAN.format(1) + "/7891234567890").status_code == 200  # its own: piles up
    client.delete(EAN.format(1) + "/7891234567890")
    assert client.post(EAN.format(2) + "/7891234567890").status_code == 200
    assert sandbox.sku_eans(2) == ["7891234567890"]
    client.delete(EAN.format(2))  # every EAN of SKU 2 goes, and the EAN is free again
    assert client.post(EAN.format(3) + "/7891234567890").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", EAN.format(999)),
        ("POST", EAN.format(999) + "/123"),
        ("DELETE", EAN.format(999) + "/123"),
        ("DELETE", EAN.format(999)),
    ],
)
def test_ean_routes_of_an_unknown_sku_are_404(client: httpx.Client, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 404


# --------------------------------------------------------------------------- files


def test_the_same_image_posted_twice_makes_two_files(
    client: httpx.Client, sandbox: Sandbox, add_image: ImageAdder
) -> None:
    url = "https://images.example.com/shoe.jpg"
    first, second = add_image(2, url), add_image(2, url)
    assert first.status_code == second.status_code == 200
    [one], [two] = first.json(), second.json()  # each answer: an array with the file
    assert one["Id"] != two["Id"] and one["ArchiveId"] != two["ArchiveId"]
    listed = client.get(FILES.format(2)).json()
    assert [f["Id"] for f in listed] == [sandbox.sku_files(2)[0]["Id"], one["Id"], two["Id"]]
    assert [f["SourceUrl"] for f in sandbox.sku_files(2)[1:]] == [url, url]


def test_a_file_shows_vtex_s_copy_of_the_image(client: httpx.Client, add_image: ImageAdder) -> None:
    [image] = add_image(2, "https://images.example.com/shoe.jpg", Name="Shoe side").json()
    assert set(image) == {
        "Id", "ArchiveId", "SkuId", "Name", "IsMain", "Label", "Text", "Url", "FileLocation",
        "Position",
    }  # fmt: skip
    archive = image["ArchiveId"]
    assert image["Url"] == f"https://sandbox.vteximg.com.br/arquivos/ids/{archive}/shoe-side.jpg"
    assert image["FileLocation"] == f"vteximg.com.br/arquivos/ids/{archive}/shoe-side.jpg"
    assert (image["SkuId"], image["Name"], image["IsMain"]) == (2, "Shoe side", False)
    assert image["Label"] is None and image["Text"] is None
    assert image["Position"] == 1  # appended after the demo image


@pytest.mark.parametrize(
    "url",
    [
        "https://images.example.com/a.JPG",
        "http://images.example.com/a.png",
        "HTTPS://images.example.com/a.Gif",
    ],
)
def test_accepted_image_urls(add_image: ImageAdder, url: str) -> None:
    assert add_image(2, url).status_code == 200


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://images.example.com/a.webp", "must end in .jpg, .png, .gif"),
        ("https://images.example.com/a.jpeg", "must end in .jpg, .png, .gif"),
        ("https://images.example.com/a.jpg?v=2", "must end in .jpg, .png, .gif"),
        ("https://images.example.com/a", "must end in .jpg, .png, .gif"),
        ("ftp://images.example.com/a.jpg", "must start with http:// or https://"),
        ("//images.example.com/a.jpg", "must start with http:// or https://"),
    ],
)
def test_refused_image_urls_are_400_with_the_reason(
    sandbox: Sandbox, add_image: ImageAdder, url: str, message: str
) -> None:
    response = add_image(2, url)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert len(sandbox.sku_files(2)) == 1  # only the demo image


def test_an_image_that_cannot_be_downloaded_is_400(sandbox: Sandbox, add_image: ImageAdder) -> None:
    response = add_image(2, "https://images.invalid/x.jpg")
    assert response.status_code == 400
    assert "could not download the image" in response.json()["error"]
    assert len(sandbox.sku_files(2)) == 1


def test_is_main_forces_position_zero_and_there_is_one_main(
    client: httpx.Client, add_image: ImageAdder
) -> None:
    [side] = add_image(2, Name="side", Position=5).json()
    [main] = add_image(2, Name="main", IsMain=True, Position=3).json()
    assert main["Position"] == 0 and main["IsMain"] is True
    listed = client.get(FILES.format(2)).json()
    # By Position, ties by Id: the demo image (also 0, older) first.
    assert [(f["Name"], f["Position"], f["IsMain"]) for f in listed] == [
        ("DEMO-002", 0, False),
        ("main", 0, True),
        ("side", 5, False),
    ]
    assert side["Id"] < main["Id"]


def test_a_file_put_replaces_it_and_downloads_again(
    client: httpx.Client, add_image: ImageAdder
) -> None:
    [image] = add_image(2, Name="side", Label="Side", Position=4).json()
    response = client.put(
        FILES.format(2) + f"/{image['Id']}",
        json={"Name": "side 2", "Url": "https://images.example.com/b.png"},
    )
    assert response.status_code == 200
    [updated] = response.json()
    assert updated["Id"] == image["Id"] and updated["ArchiveId"] != image["ArchiveId"]
    assert updated["Url"].endswith("/side-2.png")
    assert updated["Label"] is None  # omitted: cleared
    assert updated["Position"] == 4  # omitted: unchanged


def test_file_routes_check_the_sku_and_the_file(
    client: httpx.Client, add_image: ImageAdder
) -> None:
    [image] = add_image(2).json()
    body = {"Name": "x", "Url": "https://images.example.com/x.jpg"}
    assert client.put(FILES.format(3) + f"/{image['Id']}", json=body).status_code == 404
    assert client.delete(FILES.format(3) + f"/{image['Id']}").status_code == 404
    assert client.get(FILES.format(999)).status_code == 404
    assert add_image(999).status_code == 404
    assert client.delete(FILES.format(2) + f"/{image['Id']}").status_code == 200
    assert client.delete(FILES.format(2) + f"/{image['Id']}").status_code == 404
    assert client.delete(FILES.format(2)).status_code == 200
    assert client.get(FILES.format(2)).json() == []


def test_an_sku_holds_at_most_50_files(add_image: ImageAdder, new_sku: SkuFactory) -> None:
    sku_id = new_sku()
    for _ in range(MAX_FILES_PER_SKU):
        assert add_image(sku_id).status_code == 200
    response = add_image(sku_id)
    assert response.status_code == 400 and "at most 50" in response.json()["error"]


def test_a_file_without_url_is_refused(client: httpx.Client) -> None:
    response = client.post(FILES.format(2), json={"Name": "x"})
    assert response.status_code == 400
