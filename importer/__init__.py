"""File-drop importer that connects spreadsheet-exporting ERPs to VTEX stores."""

__version__ = "0.1.0"
