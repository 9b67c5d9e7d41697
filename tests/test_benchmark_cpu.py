"""The benchmark's load run names the CPU each request cost its server processes (Linux /proc)."""

import os
import subprocess
import sys
import time

from dashboard.management.commands.benchmark import cpu_seconds, processes


def test_a_busy_child_is_found_and_its_cpu_counted():
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(5)",
        ]
    )
    try:
        assert child.pid in processes(parent=os.getpid())
        assert child.pid not in processes(parent=child.pid)
        time.sleep(1.0)  # the loop has spent its 0.3 s of CPU by now
        assert 0.25 <= cpu_seconds([child.pid]) <= 1.0
        assert cpu_seconds([child.pid, 2**22 + 12345]) == cpu_seconds([child.pid])  # a pid gone counts nothing
    finally:
        child.kill()
        child.wait()
