"""An `image_urls` cell as real exports write it -> its URLs, main image first.

FORMATS separates URLs with "|", but shops write lists their own way: WooCommerce with ", ",
others with ",", ";" or one URL per line. A URL may hold a comma or a semicolon itself (in its
query string, `?w=1,2`), so those separators split only where each piece is itself a URL: a
separator followed by "http://" or "https://". What is then not one URL (a space, a relative
path, a separator between URL and text) is refused, never guessed: sending it whole made one
image named after the last URL, and the main image was lost.
"""

from __future__ import annotations

import re

# A URL VTEX can download: http(s), and no whitespace (a space in a URL must be written %20).
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# ", " / "," / ";" / line breaks, only where the next piece starts a URL.
_SEPARATOR = re.compile(r"\s*(?:\r\n|\r|\n|,|;)\s*(?=https?://)", re.IGNORECASE)
_TRAILING = " \t\r\n,;"


def split_image_urls(text: str) -> list[str] | None:
    """The cell's URLs in order, each once; None when a piece of it is not one URL."""
    urls: list[str] = []
    for part in text.split("|"):
        for piece in _SEPARATOR.split(part.strip(_TRAILING)):
            piece = piece.strip(_TRAILING)
            if not piece:
                continue
            if not _URL.fullmatch(piece):
                return None
            urls.append(piece)
    return list(dict.fromkeys(urls))
