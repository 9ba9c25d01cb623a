"""Reads a Nexus run's tb/ with TensorBoard's own code and compares it with metrics.csv.

Usage: check_tensorboard.py RUN_DIR

Every non-empty cell of metrics.csv must be a scalar, with the same value (as the float32
TensorBoard stores: the CSV's double rounded once), under a grouped tag ("group/name", the
column's name or the column without its "group_" prefix: eval_return_mean is
eval/return_mean), at the step users plot against: the row's env steps where workers collect
them (summary.json's workers > 0), its iteration otherwise. Nothing else may be there. Read by:
1. the legacy EventAccumulator (Tags()["scalars"]: what notebooks and SB3/PyTorch users call);
2. the plugin EventAccumulator (what `tensorboard --load_fast=false` loads, as scalars-plugin
   tensors);
3. real `tensorboard --logdir RUN_DIR` servers, the Rust data server (--load_fast=true) and the
   Python one (--load_fast=false): their scalars API serves the same curves.
Prints one line per check; exits 1 with the differences otherwise.
"""
import csv
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import numpy as np

from tensorboard.backend.event_processing import event_accumulator, plugin_event_accumulator
from tensorboard.util import tensor_util


def expected_rows(run_dir):
    with open(f"{run_dir}/metrics.csv") as f:
        rows = list(csv.DictReader(f))
    with open(f"{run_dir}/summary.json") as f:
        by_env_steps = json.load(f).get("workers", 0) > 0
    return rows, by_env_steps


def column_of(tag, columns):
    """The metrics.csv column a grouped tag stands for, or None."""
    group, _, name = tag.partition("/")
    if not group or not name or "/" in name:
        return None
    for column in (name, f"{group}_{name}"):
        if column in columns:
            return column
    return None


def compare(read, rows, by_env_steps, reader):
    """read: {tag: [(step, value)]}. Problems, as lines."""
    columns = list(rows[0].keys())
    expected = {}
    for row in rows:
        step = int(float(row["env_steps"])) if by_env_steps else int(row["iteration"])
        for column, cell in row.items():
            if cell != "":
                expected.setdefault(column, []).append((step, float(np.float32(float(cell)))))
    problems, seen = [], set()
    for tag, points in read.items():
        column = column_of(tag, columns)
        if column is None:
            problems.append(f"{reader}: tag {tag!r} is not group/name of a metrics.csv column")
            continue
        if column in seen:
            problems.append(f"{reader}: two tags for column {column}")
        seen.add(column)
        if points != expected.get(column):
            problems.append(f"{reader}: {tag}: tb/ {points[:3]}... CSV {column} {expected.get(column, [])[:3]}...")
    missing = sorted(set(expected) - seen)
    if missing:
        problems.append(f"{reader}: columns with no tag: {missing}")
    return problems, sum(len(p) for p in expected.values())


def legacy(run_dir):
    accumulator = event_accumulator.EventAccumulator(f"{run_dir}/tb", size_guidance={"scalars": 0})
    accumulator.Reload()
    return {tag: [(e.step, float(np.float32(e.value))) for e in accumulator.Scalars(tag)] for tag in accumulator.Tags()["scalars"]}


def plugin(run_dir):
    accumulator = plugin_event_accumulator.EventAccumulator(f"{run_dir}/tb", size_guidance={"tensors": 0})
    accumulator.Reload()
    series, problems = {}, []
    for tag in accumulator.Tags()["tensors"]:
        name = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        if name != "scalars":
            problems.append(f"plugin accumulator: {tag}: plugin {name!r}, not 'scalars'")
        series[tag] = [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in accumulator.Tensors(tag)]
    return series, problems


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served(run_dir, tags, load_fast):
    port = free_port()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", f"{run_dir}/tb", "--host", "127.0.0.1", "--port", str(port),
         f"--load_fast={load_fast}"],
        stdout=log, stderr=log)
    try:
        series, deadline = {}, time.time() + 60
        while time.time() < deadline and len(series) < len(tags):
            time.sleep(1)
            for tag in tags:
                if tag in series:
                    continue
                query = urllib.parse.urlencode({"run": ".", "tag": tag})
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/plugin/scalars/scalars?{query}", timeout=5) as reply:
                        points = json.load(reply)
                except Exception:
                    continue
                if points:
                    series[tag] = [(step, float(np.float32(value))) for _, step, value in points]
        if len(series) < len(tags):
            log.seek(0)
            print(f"tensorboard --load_fast={load_fast}'s output:\n" + log.read().decode(errors="replace")[-3000:])
        return series
    finally:
        server.kill()
        server.wait()


def main():
    run_dir = sys.argv[1]
    rows, by_env_steps = expected_rows(run_dir)
    problems = []
    legacy_series = legacy(run_dir)
    found, cells = compare(legacy_series, rows, by_env_steps, "legacy accumulator")
    problems += found
    if not found:
        print(f"legacy accumulator: {len(rows)} rows, {len(legacy_series)} scalar tags, {cells} values equal to metrics.csv"
              f" (step: {'env steps' if by_env_steps else 'iteration'})")
    plugin_series, found = plugin(run_dir)
    more, _ = compare(plugin_series, rows, by_env_steps, "plugin accumulator")
    problems += found + more
    if not found and not more:
        print(f"plugin accumulator: {len(plugin_series)} scalars-plugin tags equal to metrics.csv")
    # A server samples long series down to 1,000 points; a short run is served whole.
    shown = [tag for tag in ("eval/return_mean", "rollout/env_steps", "time/wall_seconds") if tag in legacy_series]
    for load_fast in ("true", "false"):
        got = served(run_dir, shown, load_fast)
        mismatched = [tag for tag in shown if got.get(tag) != legacy_series[tag]]
        for tag in mismatched:
            problems.append(f"tensorboard --load_fast={load_fast}, {tag}: {got.get(tag, [])[:3]}... vs {legacy_series[tag][:3]}...")
        if not mismatched:
            print(f"tensorboard server --load_fast={load_fast}: {', '.join(shown)} served as in metrics.csv")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
