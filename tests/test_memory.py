"""Arrow's allocator (importer/memory.py): the C library's on Linux, chosen without importing
pyarrow at start (the light commands never load it: tests/test_cli.py)."""

from __future__ import annotations

import sys

import pyarrow as pa  # type: ignore[import-untyped]
import pytest

from importer.memory import POOL_ENV, use_system_allocator

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


def test_arrow_allocates_from_the_c_library_once_the_importer_is_imported() -> None:
    # conftest imported the importer before pyarrow: the variable chose the pool.
    assert pa.default_memory_pool().backend_name == "system"


def test_a_program_that_loaded_pyarrow_first_gets_the_same_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(POOL_ENV, raising=False)
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    try:
        use_system_allocator()  # pyarrow is loaded here: the pool is set directly
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(pa.system_memory_pool())
