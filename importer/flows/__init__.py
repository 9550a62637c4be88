"""The flows: one room each (see `importer.flows.registry`)."""
