"""Reads a Nexus run's tb/ with TensorBoard's own code and compares it with metrics.csv.

Usage: check_tensorboard.py RUN_DIR
1. TensorBoard's event accumulator (what `tensorboard --logdir` loads files with): every
   non-empty cell of metrics.csv is a scalar at step = iteration with the same value (as the
   float32 TensorBoard stores: the CSV's double rounded once), tagged for the scalars plugin,
   and nothing else is there.
2. A real `tensorboard --logdir RUN_DIR` server: its scalars API serves the same curves.
Prints one line per check; exits 1 with the differences otherwise.
"""
import csv
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

from tensorboard.backend.event_processing import plugin_event_accumulator
from tensorboard.util import tensor_util


def expected_series(run_dir):
    with open(f"{run_dir}/metrics.csv") as f:
        rows = list(csv.DictReader(f))
    series = {}
    for row in rows:
        step = int(row["iteration"])
        for column, cell in row.items():
            if column != "iteration" and cell != "":
                series.setdefault(column, []).append((step, float(np.float32(float(cell)))))
    return rows, series


def read_events(run_dir):
    accumulator = plugin_event_accumulator.EventAccumulator(f"{run_dir}/tb", size_guidance={"tensors": 0})
    accumulator.Reload()
    series, plugins = {}, {}
    for tag in accumulator.Tags()["tensors"]:
        plugins[tag] = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        series[tag] = [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in accumulator.Tensors(tag)]
    return series, plugins


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_series(run_dir, tags):
    port = free_port()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", f"{run_dir}/tb", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=log)
    try:
        served, deadline = {}, time.time() + 60
        while time.time() < deadline and len(served) < len(tags):
            time.sleep(1)
            for tag in tags:
                if tag in served:
                    continue
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/plugin/scalars/scalars?run=.&tag={tag}", timeout=5) as reply:
                        points = json.load(reply)
                except Exception:
                    continue
                if points:
                    served[tag] = [(step, float(np.float32(value))) for _, step, value in points]
        if len(served) < len(tags):
            log.seek(0)
            print("tensorboard's output:\n" + log.read().decode(errors="replace")[-3000:])
        return served
    finally:
        server.kill()
        server.wait()


def main():
    run_dir = sys.argv[1]
    rows, expected = expected_series(run_dir)
    actual, plugins = read_events(run_dir)
    problems = []
    if set(actual) != set(expected):
        problems.append(f"tags differ: only in CSV {sorted(set(expected) - set(actual))}, only in tb/ {sorted(set(actual) - set(expected))}")
    for tag, points in expected.items():
        if actual.get(tag) != points:
            problems.append(f"{tag}: CSV {points[:3]}... tb/ {actual.get(tag, [])[:3]}...")
        if plugins.get(tag) != "scalars":
            problems.append(f"{tag}: plugin {plugins.get(tag)!r}, not 'scalars'")
    cells = sum(len(p) for p in expected.values())
    print(f"event files: {len(rows)} rows, {len(expected)} tags, {cells} values equal to metrics.csv" if not problems else "event files differ")
    # The server samples long series down to 1,000 points; a short run is served whole.
    shown = ["eval_return_mean", "env_steps", "wall_seconds"]
    served = served_series(run_dir, [t for t in shown if t in expected])
    for tag in shown:
        if tag in expected and served.get(tag) != expected[tag]:
            problems.append(f"tensorboard server, {tag}: {served.get(tag, [])[:3]}... vs CSV {expected[tag][:3]}...")
    if not problems:
        print(f"tensorboard server: {', '.join(shown)} served as in metrics.csv")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
