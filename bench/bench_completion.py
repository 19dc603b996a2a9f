"""Shell completion latency through the real entry point (issue 12): wall time per answer, printed.

    .venv/bin/python bench/bench_completion.py [DB]     # DB: e.g. the 1M-event file of bench/generate.py

Each case runs the installed ``sitlog`` script in a subprocess with the environment a shell's completion
function sets (``_SITLOG_COMPLETE=complete_zsh`` …), as a shell would, and reports the median of N runs.
Also prints the start-up of a plain ``sitlog --version`` for reference, and the CPU time per answer
(user + system), which a loaded machine distorts less than wall time. Figures are printed, not asserted.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = Path(sys.executable).parent / "sitlog"
RUNS = 9
CASES = [
    ("commands", "zsh", "sitlog "),
    ("options of log control", "zsh", "sitlog log control X --"),
    ("status values", "bash", "sitlog log control X --status "),
    ("place names + aliases", "zsh", "sitlog log control Kafr"),
    ("actor names", "fish", "sitlog log clash X --actor "),
    ("recent handles", "zsh", "sitlog show "),
]


def cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000


def run(env: dict[str, str], shell: str, line: str) -> tuple[float, str]:
    extra = (
        {"COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}
        if shell == "bash"
        else {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    )
    start = time.perf_counter()
    proc = subprocess.run([str(EXE)], capture_output=True, text=True,
                          env={**env, "_SITLOG_COMPLETE": f"complete_{shell}", **extra})  # fmt: skip
    return (time.perf_counter() - start) * 1000, proc.stdout


def main() -> None:
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            db = Path(tmp) / "small.db"
            base = {**os.environ, "SITLOG_DB": str(db), "SITLOG_CONFIG": str(Path(tmp) / "none.toml")}
            subprocess.run([str(EXE), "actors", "add", "HTS", "--type", "rebel"], env=base, capture_output=True)
            subprocess.run([str(EXE), "log", "control", "Idlib", "--by", "HTS"], env=base, capture_output=True)
        env = {**os.environ, "SITLOG_DB": str(db), "SITLOG_CONFIG": str(Path(tmp) / "none.toml")}
        print(f"database: {db} ({db.stat().st_size / 1e6:.0f} MB); median of {RUNS} runs, wall time per answer")
        times = [run(env, "bash", "sitlog ")[0] for _ in range(2)]  # warm the file cache
        before = cpu_ms()
        version = statistics.median(
            (lambda s: (subprocess.run([str(EXE), "--version"], env=env, capture_output=True),
                        (time.perf_counter() - s) * 1000)[1])(time.perf_counter())
            for _ in range(RUNS)
        )  # fmt: skip
        version_cpu = (cpu_ms() - before) / RUNS
        print(f"  {'sitlog --version (reference)':32} {version:7.1f} ms wall, {version_cpu:6.1f} ms CPU")
        for name, shell, line in CASES:
            times = []
            out = ""
            before = cpu_ms()
            for _ in range(RUNS):
                ms, out = run(env, shell, line)
                times.append(ms)
            cpu = (cpu_ms() - before) / RUNS
            answers = len([x for x in out.splitlines() if x.strip()])
            print(
                f"  {name + ' (' + shell + ')':32} {statistics.median(times):7.1f} ms wall, {cpu:6.1f} ms CPU"
                f"  ({answers} lines)"
            )


if __name__ == "__main__":
    main()
