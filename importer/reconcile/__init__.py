"""`importer reconcile <flow>`: read back what the snapshot believes VTEX holds, report the
drift, and mark the drifted keys so that the next ERP file repairs exactly those.

`run.py` is generic (chunks, concurrency, progress, the report); each flow that can be
reconciled has a reader (`prices.py`, `inventory.py`) that reads one SKU and compares the
columns the importer sent; `readers.py` is the list of them.
"""
