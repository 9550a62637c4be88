"""One cheap authenticated call before a pass takes any file: does VTEX answer, and does it
take the credentials?

Without it, refused credentials or an unreachable VTEX are only found on a file's first call:
every file of the pass is then claimed, all its rows end pending and it is archived "done".
With it, a pass that cannot reach VTEX claims nothing: the inbox stays as the ERP left it,
and the exit code says why (`run`), or the next pass tries again (`watch`).

The call is `GET /api/logistics/pvt/configuration/warehouses`: private (it needs the key and
token), small (a store has a handful of warehouses), read-only, and already used by the
inventory flow, so the key's roles cover it wherever stock is imported.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

from loguru import logger

from importer.deps import Deps
from importer.errors import FatalVtexError, RetriableVtexError, RowRejectedError
from importer.vtex.logistics import LogisticsClient

FailureKind = Literal["refused", "no-answer"]
PREFLIGHT_CALL = "GET /api/logistics/pvt/configuration/warehouses"  # what LogisticsClient sends


@dataclass(frozen=True)
class PreflightFailure:
    """`refused`: 401/403 (the key, the token or the key's roles); `no-answer`: no answer,
    timeouts, or 429/5xx, after every retry of the retry policy."""

    kind: FailureKind
    detail: str  # the call and its status: never the credentials (VtexError never has them)


def check_vtex(deps: Deps) -> PreflightFailure | None:
    """None when VTEX answered and accepted the credentials."""

    async def probe() -> None:
        async with deps.http() as http:
            await LogisticsClient(http).warehouses()

    try:
        asyncio.run(probe())
    except FatalVtexError as exc:
        return PreflightFailure("refused", str(exc))
    except RetriableVtexError as exc:
        return PreflightFailure("no-answer", str(exc))
    except RowRejectedError:
        return None  # another 4xx: VTEX answered, and 401/403 would have come first
    return None


class Preflight:
    """The check, made once per pass and only when the pass has a file to take."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._checked = False
        self.failure: PreflightFailure | None = None

    def passed(self) -> bool:
        if not self._checked:
            self._checked = True
            self.failure = check_vtex(self._deps)
            if self.failure is not None:
                logger.error(
                    "{}: no file taken, the inbox is left as it is; tried again on the next "
                    "pass ({})",
                    "VTEX refused the credentials"
                    if self.failure.kind == "refused"
                    else "VTEX did not answer",
                    self.failure.detail,
                )
        return self.failure is None

    @property
    def failed(self) -> bool:
        return self.failure is not None
