"""The benchmark's load run names the CPU each request cost its server processes (Linux /proc),
counting processes that ended during the run through their parent (PostgreSQL's backends, gunicorn's
workers)."""

import os
import subprocess
import sys
import time

from dashboard.management.commands.benchmark import cpu_seconds, processes

BUSY = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_a_busy_child_is_found_and_its_cpu_counted():
    child = subprocess.Popen([sys.executable, "-c", BUSY + "time.sleep(5)"])
    try:
        assert child.pid in processes(parent=os.getpid())
        assert child.pid not in processes(parent=child.pid)
        time.sleep(1.0)  # the loop has spent its 0.3 s of CPU by now
        assert 0.25 <= cpu_seconds([child.pid]) <= 1.0
        assert cpu_seconds([child.pid, 2**22 + 12345]) == cpu_seconds([child.pid])  # a pid gone counts nothing
    finally:
        child.kill()
        child.wait()


def test_a_child_that_ended_counts_in_its_parent():
    before = cpu_seconds([os.getpid()])
    subprocess.run([sys.executable, "-c", BUSY], check=True)  # started and ended (and reaped) in between
    assert cpu_seconds([os.getpid()]) - before >= 0.25
