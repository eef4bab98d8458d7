#!/usr/bin/env python3
"""Summarises dynamo-lake's --json reports for ./dev bench (one line on stdout).

    bench_summary.py pipeline   < export/convert --json report
    bench_summary.py queries    < bench-queries output
    bench_summary.py import REPORT [--cpu CPU] [--goal-rps N] [--goal-rss-mb N]
    bench_summary.py import-vs DYNAMO_LAKE_REPORT BOTO3_REPORT [--goal-ratio N]

REPORT is `dynamo-lake import --json`'s output or bench_boto3_import.py's; CPU is bench_cpu.py's
(dynalite's node process as the watched one). dynalite runs on one thread: at 90% or more of one
core over the run it was the bottleneck.
"""
import argparse
import json
import statistics
import sys

BOTTLENECK = 0.90  # of one core


def pipeline(r):
    return (f"{r['items_read']} items in {r['seconds']:.2f} s = {r['items_per_second']:.0f} items/s, "
            f"peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB, {len(r['files'])} files")


def queries(r):
    parts = [f"{k} p50 {r[k]['p50_ms']:.1f} ms / p90 {r[k]['p90_ms']:.1f} ms" for k in ("stats", "daily", "by_agent")]
    return f"{r['rows']} rows: " + ", ".join(parts)


def load(path):
    with open(path) as f:
        return json.load(f)


def rows_per_second(r):
    return r["rows"] / r["seconds"] if r["seconds"] else float("inf")


def met(ok):
    return "met" if ok else "MISSED"


def import_line(a):
    r = load(a.report)
    rps = rows_per_second(r)
    out = f"{r['rows']} rows in {r['seconds']:.2f} s = {rps:.0f} rows/s"
    if a.goal_rps:
        out += f" (goal ≥ {a.goal_rps:.0f}: {met(rps >= a.goal_rps)})"
    rss = r["peak_rss_bytes"]
    out += f", peak RSS {rss / 2**20:.0f} MiB"
    if a.goal_rss_mb:
        out += f" (= {rss / 1e6:.0f} MB; goal < {a.goal_rss_mb:.0f} MB: {met(rss < a.goal_rss_mb * 1e6)})"
    if r.get("items_failed"):
        out += f", {r['items_failed']} rows rejected"
    if r.get("items_deduplicated"):
        out += f", {r['items_deduplicated']} deduplicated"
    if a.cpu:
        c = load(a.cpu)
        wall = c["wall_seconds"]
        if c["watched_cpu_seconds"] is not None and wall > 0:
            share = c["watched_cpu_seconds"] / wall
            s = c["watched_cpu_samples"]
            peak = f", each second median {statistics.median(s):.0%} / max {max(s):.0%}" if s else ""
            verdict = "the bottleneck" if share >= BOTTLENECK else "not the bottleneck"
            out += f"; dynalite CPU {share:.0%} of one core{peak} ({verdict})"
        if wall > 0:
            out += f"; importer CPU {c['command_cpu_seconds'] / wall:.0%} of one core"
    return out


def import_vs(a):
    ours, theirs = load(a.ours), load(a.theirs)
    o, t = rows_per_second(ours), rows_per_second(theirs)
    ratio = o / t if t else float("inf")
    out = f"dynamo-lake {o:.0f} rows/s vs boto3 batch_writer {t:.0f} rows/s = {ratio:.2f}×"
    if a.goal_ratio:
        out += f" (goal ≥ {a.goal_ratio:g}×: {met(ratio >= a.goal_ratio)})"
    return out


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "pipeline"
    if kind in ("pipeline", "queries"):
        print({"pipeline": pipeline, "queries": queries}[kind](json.load(sys.stdin)))
        return
    ap = argparse.ArgumentParser(prog=f"bench_summary.py {kind}")
    if kind == "import":
        ap.add_argument("report")
        ap.add_argument("--cpu")
        ap.add_argument("--goal-rps", type=float)
        ap.add_argument("--goal-rss-mb", type=float)
        print(import_line(ap.parse_args(sys.argv[2:])))
    elif kind == "import-vs":
        ap.add_argument("ours")
        ap.add_argument("theirs")
        ap.add_argument("--goal-ratio", type=float)
        print(import_vs(ap.parse_args(sys.argv[2:])))
    else:
        sys.exit(f"bench_summary.py: unknown kind {kind!r} (pipeline, queries, import, import-vs)")


main()
