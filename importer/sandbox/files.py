"""SKU files (images), API-NOTES §3.6: GET/POST/DELETE .../stockkeepingunit/{skuId}/file and
PUT/DELETE .../file/{skuFileId}.

What VTEX documents, reproduced:
- POST always adds a new file: the same Url (or Name) posted twice makes two files. Diff
  against GET .../file before posting;
- Url must start with http:// or https:// and end in .jpg, .png or .gif. The sandbox compares
  case-insensitively and takes the documented list literally: .jpeg, .webp and a query string
  after the extension ("x.jpg?v=2") are refused (400);
- IsMain:true forces Position 0; duplicate positions are allowed (listed by Position, then Id);
- at most 50 files per SKU (the 51st is a 400);
- the answer to POST and PUT is an array holding the file, as the spec's example.

What VTEX does not document, and the sandbox's choice:
- VTEX downloads the image and answers with ITS copy: Url (and FileLocation) point at
  {account}.vteximg.com.br/arquivos/ids/{ArchiveId}/..., as in the spec's examples, never at
  the URL that was sent. Match existing files by Name, not by Url. (The sent URL is kept in
  the record as SourceUrl, for tests; responses leave it out.)
- a URL whose host ends in ".invalid" (RFC 2606: never resolves) cannot be downloaded: 400
  "could not download the image". That is how tests make a broken image URL;
- PUT re-downloads the image: a new ArchiveId (and Url); the body replaces the file's fields,
  with IsMain omitted -> false, Label and Text omitted -> null, Position omitted -> unchanged;
- at most one file is main: a file posted or put with IsMain:true un-mains the others;
- an unknown SKU is 404; a file id that is not one of that SKU's files is 404;
- POST omitting Position appends the file (Position = number of files before it);
- ArchiveIds are numbered from 155000, apart from file Ids, so that mixing the two up shows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from importer.sandbox import activation
from importer.sandbox.calls import ApiError, Call, Reply, as_bool, as_int, as_str, slug
from importer.sandbox.catalog import catalog_body
from importer.sandbox.state import Record, Store

__all__ = [
    "IMAGE_EXTENSIONS",
    "MAX_FILES_PER_SKU",
    "add_file",
    "create_file",
    "delete_all_files",
    "delete_file",
    "file_view",
    "image_fields",
    "list_files",
    "sku_files",
    "update_file",
]

IMAGE_EXTENSIONS = (".jpg", ".png", ".gif")
MAX_FILES_PER_SKU = 50
ARCHIVE_START = 155000
_VIEW_KEYS = (
    "Id", "ArchiveId", "SkuId", "Name", "IsMain", "Label", "Text", "Url", "FileLocation",
    "Position",
)  # fmt: skip


def file_view(image: Record) -> Record:
    """A file as VTEX shows it (without the sandbox's SourceUrl)."""
    return {key: image[key] for key in _VIEW_KEYS}


def sku_files(store: Store, sku_id: int) -> list[Record]:
    """The SKU's files in VTEX's order: by Position, ties by Id."""
    return sorted(store.sku_files.get(sku_id, []), key=lambda f: (f["Position"], f["Id"]))


def _sku_id(store: Store, call: Call) -> int:
    sku_id = call.int_param("skuId")
    if sku_id not in store.skus:
        raise ApiError(404, f"SKU {sku_id} not found")
    return sku_id


def check_image_url(url: str) -> str:
    """The URL's extension (".jpg"), or ApiError 400 when VTEX would refuse the URL."""
    lower = url.lower()
    if not lower.startswith(("http://", "https://")):
        raise ApiError(400, f"Url must start with http:// or https://, got {url!r}")
    extension = next((e for e in IMAGE_EXTENSIONS if lower.endswith(e)), None)
    if extension is None:
        raise ApiError(
            400,
            f"Url must end in {', '.join(IMAGE_EXTENSIONS)} (nothing after the extension), "
            f"got {url!r}",
        )
    host = (urlsplit(url).hostname or "").rstrip(".")
    if not host:
        raise ApiError(400, f"Url has no host: {url!r}")
    if host == "invalid" or host.endswith(".invalid"):
        raise ApiError(400, f"could not download the image from {url!r}")
    return extension


def _read_body(call: Call) -> Record:
    body = catalog_body(call)
    name = as_str(body.get("Name"), "Name")
    url = as_str(body.get("Url"), "Url")
    if not name:
        raise ApiError(400, "Name is required")
    if not url:
        raise ApiError(400, "Field Url is required")
    fields = image_fields(
        name,
        url,
        is_main=as_bool(body.get("IsMain"), "IsMain"),
        label=as_str(body.get("Label"), "Label"),
    )
    fields["Text"] = as_str(body.get("Text"), "Text")
    fields["Position"] = as_int(body.get("Position"), "Position")
    return fields


def _download(store: Store, account: str, image: Record, extension: str) -> None:
    """Give the image a new archive (VTEX's copy of the downloaded file)."""
    archive = store.next_number("archive", ARCHIVE_START)
    stem = slug(image["Name"]) or "image"
    location = f"vteximg.com.br/arquivos/ids/{archive}/{stem}{extension}"
    image["ArchiveId"] = archive
    image["Url"] = f"https://{account}.{location}"
    image["FileLocation"] = location


def _make_main(store: Store, sku_id: int, image: Record) -> None:
    if image["IsMain"]:
        image["Position"] = 0
        for other in store.sku_files.get(sku_id, []):
            if other is not image:
                other["IsMain"] = False


def image_fields(name: str, url: str, *, is_main: bool = False, label: str | None = None) -> Record:
    """The fields of a new file, as a POST body gives them (checks the URL)."""
    return {
        "Name": name,
        "SourceUrl": url,
        "Extension": check_image_url(url),
        "IsMain": is_main,
        "Label": label,
        "Text": None,
        "Position": None,
    }


def add_file(store: Store, account: str, sku_id: int, fields: Record) -> Record:
    """Add a file to an SKU (no checks of the SKU: callers do them). Used by the demo too."""
    owned = store.sku_files.setdefault(sku_id, [])
    if len(owned) >= MAX_FILES_PER_SKU:
        raise ApiError(400, f"an SKU can have at most {MAX_FILES_PER_SKU} files")
    extension = fields.pop("Extension")
    position = fields["Position"]
    image: Record = {
        "Id": store.next_number("file"),
        "SkuId": sku_id,
        **fields,
        "Position": len(owned) if position is None else position,
    }
    _download(store, account, image, extension)
    owned.append(image)
    _make_main(store, sku_id, image)
    return image


def list_files(store: Store, call: Call) -> Reply:
    return Reply(body=[file_view(f) for f in sku_files(store, _sku_id(store, call))])


def create_file(store: Store, call: Call) -> Reply:
    sku_id = _sku_id(store, call)
    image = add_file(store, call.account, sku_id, _read_body(call))
    activation.maybe_activate(store, sku_id)
    return Reply(body=[file_view(image)])


def _owned_file(store: Store, call: Call, sku_id: int) -> Record:
    file_id = call.int_param("skuFileId")
    image = next((f for f in store.sku_files.get(sku_id, []) if f["Id"] == file_id), None)
    if image is None:
        raise ApiError(404, f"SKU {sku_id} has no file {file_id}")
    return image


def update_file(store: Store, call: Call) -> Reply:
    sku_id = _sku_id(store, call)
    image = _owned_file(store, call, sku_id)
    fields = _read_body(call)
    extension = fields.pop("Extension")
    if fields["Position"] is None:
        fields["Position"] = image["Position"]
    image.update(fields)
    _download(store, call.account, image, extension)
    _make_main(store, sku_id, image)
    activation.maybe_activate(store, sku_id)
    return Reply(body=[file_view(image)])


def delete_file(store: Store, call: Call) -> Reply:
    sku_id = _sku_id(store, call)
    image = _owned_file(store, call, sku_id)
    store.sku_files[sku_id].remove(image)
    return Reply()


def delete_all_files(store: Store, call: Call) -> Reply:
    store.sku_files.pop(_sku_id(store, call), None)
    return Reply()
