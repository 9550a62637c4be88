"""Following the importer's work: a status file per input, and `importer status`."""
