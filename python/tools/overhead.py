"""Measures the per-call overhead of the subprocess interface: the wall time of a call minus the time the solver
itself reports (the record's `seconds`), and the bare start-up of `dmft --version`.

    python python/tools/overhead.py [REPEATS]

Prints medians over REPEATS calls (default 20). Timings depend on the machine and its load.
"""

import statistics
import subprocess
import sys
import time

import spectraldmft
from spectraldmft import network


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    executable = spectraldmft.find_dmft()
    startup = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([executable, "--version"], capture_output=True, check=True)
        startup.append(time.perf_counter() - start)
    calls, solves = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        solution = network.solve(1.5)
        calls.append(time.perf_counter() - start)
        solves.append(solution.seconds)
    overheads = [call - solve for call, solve in zip(calls, solves)]
    print(f"dmft: {executable}")
    print(f"dmft --version (process start-up):      median {1e3 * statistics.median(startup):7.1f} ms")
    print(f"network.solve(1.5), whole Python call:   median {1e3 * statistics.median(calls):7.1f} ms")
    print(f"  of which the solve itself (record):    median {1e3 * statistics.median(solves):7.1f} ms")
    print(f"  overhead (call − solve):               median {1e3 * statistics.median(overheads):7.1f} ms "
          f"(min {1e3 * min(overheads):.1f} ms, max {1e3 * max(overheads):.1f} ms)")


if __name__ == "__main__":
    main()
