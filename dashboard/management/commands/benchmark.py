"""Figures for one generated household on the configured database (`bin/bench` runs it per size and
database, next to shared/bench/peer.sh): pages through gunicorn on loopback, SQL queries per page,
`quote` for every catalog card, CSV import rows/s with peak memory, and a bounded load run.

Prints figures; asserts nothing (targets are read from the output, not timed in tests).
"""

from __future__ import annotations

import http.client
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from dashboard.summary import BOARDS
from households.models import Household
from programs.catalog import get_catalog
from programs.engine import quote_cards
from transactions.csv_io import export
from transactions.generate import empty_copy
from wallets.models import Lot, Movement

PAGES = {"dashboard": "/", "which card": "/which-card/?merchant=%E6%9D%B1%E4%BA%AC%E3%82%AC%E3%82%B9&amount=8800"}


def cpu_seconds(pids) -> float:
    """User + system CPU the processes have used, with that of their children which have ended (Linux
    /proc; 0 for a process gone meanwhile). Taken over a parent and its live children before and after
    a run, the difference counts children that started, ended or were replaced in between: an ended
    child's CPU moves into its parent's count."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / tick


def processes(*, parent: int | None = None, name: str | None = None) -> list[int]:
    """Pids of the children of `parent`, or of the processes called `name` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if (parent is not None and int(rest.split()[1]) == parent) or (name is not None and comm == name):
            found.append(int(entry.name))
    return found


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


class Command(BaseCommand):
    help = "Benchmark pointbook on a generated household (see bin/bench)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--household", required=True, help="A household made by generate_household.")
        parser.add_argument("--repeat", type=int, default=200, help="Requests per page for median / p95.")
        parser.add_argument("--import-rows", type=int, default=5000, help="-1: every purchase; 0: no import")
        parser.add_argument("--load-seconds", type=int, default=60)
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, household: str, repeat: int, import_rows: int, load_seconds: int, port: int, **options):
        found = Household.objects.filter(name=household).first()
        if found is None:
            raise CommandError(f"No household named {household!r}; make one with generate_household.")
        self.household = found
        self.owner = found.members.filter(role="owner").select_related("user").first().user
        n = found.purchases.count()
        vendor = connection.vendor
        self.stdout.write(f"== pointbook, {vendor}, {n:,} purchases ==")
        self.settle()
        self.queries()
        self.quote()
        if import_rows != 0:  # first: the peak memory of child processes is then the import's
            self.import_speed(import_rows)
            self.settle()
        cookie = self.session_cookie()
        # Each page built on every request, then the dashboard as workers keep it between writes.
        for kept, pages in ((False, PAGES), (True, {"dashboard": PAGES["dashboard"]})):
            how = "kept between writes" if kept else "built on every request"
            with self.server(port, kept) as base:
                for label, path in pages.items():
                    samples = self.timed(base, path, cookie, repeat)
                    self.stdout.write(
                        f"{label:<11} median {statistics.median(samples):7.1f} ms   p95 {pct(samples, 0.95):7.1f} ms"
                        + (f"   ({how})" if label == "dashboard" else "")
                    )
                if load_seconds:
                    self.load(base, cookie, load_seconds, how)

    def settle(self) -> None:
        """On PostgreSQL, vacuum and analyze what was just written in bulk (the generated household, the
        import's copy of it) before timing anything: otherwise autovacuum catches up on it in the middle
        of the timings, sharing the machine's cores with the server and the clients, where a database in
        use has long been vacuumed. SQLite has no such background work."""
        if connection.vendor != "postgresql":
            return
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        self.stdout.write(f"settled     VACUUM (ANALYZE) in {time.perf_counter() - t0:.1f} s")

    # -- queries and quote -----------------------------------------------------------------------------
    def queries(self) -> None:
        client = Client()
        client.force_login(self.owner)
        with override_settings(ALLOWED_HOSTS=["*"]):
            client.get("/")  # the first request of a process loads the catalog snapshot
            for label, path in PAGES.items():
                BOARDS.clear()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(path)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered {response.status_code}")
                count = f"{label:<11} {len(captured)} SQL queries per page"
                if label == "dashboard":
                    with CaptureQueriesContext(connection) as kept:
                        client.get(path)
                    count += f" when built, {len(kept)} when kept"
                self.stdout.write(count)

    def quote(self) -> None:
        catalog = get_catalog()
        day = timezone.localdate()
        samples = []
        for i in range(200):
            t0 = time.perf_counter()
            quote_cards(
                ["東京ガス", "Amazon", "国税", "NHK", "ローソン", "近所のパン屋"][i % 6], 12_345, day, get_catalog()
            )
            samples.append((time.perf_counter() - t0) * 1000)
        self.stdout.write(
            f"quote       median {statistics.median(samples):7.2f} ms   p95 {pct(samples, 0.95):7.2f} ms"
            f"   (all {len(catalog.methods)} catalog cards)"
        )

    # -- through a real server -------------------------------------------------------------------------
    def session_cookie(self) -> str:
        client = Client()
        client.force_login(self.owner)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def server(self, port: int, kept: bool):
        """gunicorn with 2 workers; with `kept` False, each dashboard is built (DASHBOARD_CACHE_SECONDS=0)."""
        command = self

        class Server:
            def __enter__(self):
                env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost"}
                env["DASHBOARD_CACHE_SECONDS"] = str(settings.DASHBOARD_CACHE_SECONDS if kept else 0)
                self.process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "pointbook.wsgi",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "2",
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                )
                for _ in range(300):
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                        break
                    except OSError:
                        time.sleep(0.1)
                else:
                    raise CommandError("gunicorn did not start")
                command.server_pid = self.process.pid
                return f"127.0.0.1:{port}"

            def __exit__(self, *exc):
                self.process.terminate()
                self.process.wait(timeout=30)
                command.stdout.write("", ending="")

        return Server()

    def get(self, conn: http.client.HTTPConnection, path: str, cookie: str) -> int:
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        return response.status

    def timed(self, base: str, path: str, cookie: str, repeat: int) -> list[float]:
        conn = http.client.HTTPConnection(base, timeout=60)
        for _ in range(3):  # warm both workers' catalog snapshots
            status = self.get(conn, path, cookie)
            if status != 200:
                raise CommandError(f"{path} answered {status} through gunicorn")
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            self.get(conn, path, cookie)
            samples.append((time.perf_counter() - t0) * 1000)
        conn.close()
        return samples

    def load(self, base: str, cookie: str, seconds: int, how: str, clients: int = 4) -> None:
        """A bounded closed-loop load: `clients` threads requesting the dashboard for `seconds`; with the
        CPU each request cost the gunicorn workers, the database server (PostgreSQL's processes; SQLite
        runs inside the workers) and this load generator, which share the machine's cores."""
        stop = time.perf_counter() + seconds
        samples: list[float] = []
        errors = [0]
        lock = threading.Lock()

        def worker() -> None:
            conn = http.client.HTTPConnection(base, timeout=60)
            mine = []
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    ok = self.get(conn, "/", cookie) == 200
                except OSError:
                    ok = False
                    conn = http.client.HTTPConnection(base, timeout=60)
                mine.append((time.perf_counter() - t0) * 1000)
                if not ok:
                    with lock:
                        errors[0] += 1
            with lock:
                samples.extend(mine)

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        cpu0 = self.cpu_now()
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        cpu = [(after - before) * 1000 / len(samples) for before, after in zip(cpu0, self.cpu_now(), strict=True)]
        self.stdout.write(
            f"load        {len(samples) / elapsed:7.1f} req/s over {elapsed:.0f} s, {clients} clients, "
            f"2 gunicorn workers: {errors[0]} errors, p50 {statistics.median(samples):.1f} ms, "
            f"p99 {pct(samples, 0.99):.1f} ms ({how})"
        )
        self.stdout.write(
            f"load cpu    per request: gunicorn workers {cpu[0]:.1f} ms, database server {cpu[1]:.1f} ms, "
            f"load generator {cpu[2]:.1f} ms ({os.cpu_count()} cores)"
        )

    def cpu_now(self) -> tuple[float, float, float]:
        """CPU used so far by gunicorn (the master and its workers, including workers replaced), by
        PostgreSQL's processes (the backends a worker reconnects are new processes of its postmaster;
        SQLite runs inside the workers) and by this process (the load generator's threads)."""
        database = processes(name="postgres") if connection.vendor == "postgresql" else []
        return (
            cpu_seconds([self.server_pid, *processes(parent=self.server_pid)]),
            cpu_seconds(database),
            time.process_time(),
        )

    # -- CSV import ------------------------------------------------------------------------------------
    def import_speed(self, rows: int) -> None:
        """Export the household's purchases and import the first `rows` (all of them with -1) into an empty
        copy of the household (same members, cards, accounts, entries, bonuses; no history), in a
        subprocess (its peak memory is the import's)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "purchases.csv"
            kept = -1  # the header
            with path.open("w", encoding="utf-8", newline="") as f:
                for line in export(self.household):
                    if rows >= 0 and kept >= rows:
                        break
                    f.write(line)
                    kept += 1
            name = f"{self.household.name} (import {time.time_ns()})"
            copy = empty_copy(self.household, name, password=f"-{time.time_ns()}")
            t0 = time.perf_counter()
            done = subprocess.run(  # noqa: S603 — our own interpreter and arguments
                [sys.executable, "manage.py", "import_purchases", "--household", name, str(path)],
                capture_output=True,
                text=True,
            )
            elapsed = time.perf_counter() - t0
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode:
            self.stdout.write(f"import      refused: {done.stderr.strip().splitlines()[-1:]}")
            return
        # What the ledger wrote, so that the figure shows it took part: a purchase dated before the
        # catalog's first rule earns nothing, and a generated history starts a few years before it.
        lots = copy.scoped(Lot).count()
        movements = copy.scoped(Movement).count()
        self.stdout.write(
            f"import      {kept / elapsed:7.0f} rows/s ({kept:,} rows in {elapsed:.1f} s, engine and "
            f"ledger included: {movements:,} movements, {lots:,} lots), peak memory {peak_mb:.0f} MB"
        )
