"""File-drop importer that connects spreadsheet-exporting ERPs to VTEX stores."""

from importer.memory import use_system_allocator

__version__ = "0.1.0"

use_system_allocator()  # before any stage allocates: see importer/memory.py
