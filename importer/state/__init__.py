"""The SQLite store under state/, split by table group. The only SQL.

| class | module | tables |
|---|---|---|
| `Ledger` | `ledger.py` | `files`, `reports` |
| `Snapshot` | `snapshot.py` | `snapshot`, `pending` |
| `Ids` | `ids.py` | `sku_map`, `catalog_ids` |
| `Orders` | `orders.py` | `orders` |
| `Batches` | `batches.py` | `batches`, `batch_rows` (and `snapshot`, `pending`: see there) |
| `Values` | `values.py` | `kv` |
| `Store` | `store.py` | all of them: what the runtime opens and closes |

`db.py` opens the file (`Database`: schema, transactions, the lock-wait and free-space checks,
what a failure means); each group is a `Table` over a shared `Database`.
"""

from importer.state.batches import Batches, BatchJob, BatchRow
from importer.state.db import MIB, SCHEMA, Database, Table, from_signed, to_signed
from importer.state.ids import Ids
from importer.state.ledger import Ledger, LedgerEntry, RecentFile, UnarchivedFile
from importer.state.orders import Orders
from importer.state.snapshot import Applied, PendingRow, Snapshot
from importer.state.store import Store
from importer.state.values import Values

__all__ = [
    "MIB",
    "SCHEMA",
    "Applied",
    "BatchJob",
    "BatchRow",
    "Batches",
    "Database",
    "Ids",
    "Ledger",
    "LedgerEntry",
    "Orders",
    "PendingRow",
    "RecentFile",
    "Snapshot",
    "Store",
    "Table",
    "UnarchivedFile",
    "Values",
    "from_signed",
    "to_signed",
]
