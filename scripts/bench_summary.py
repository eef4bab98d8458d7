#!/usr/bin/env python3
"""Summarises dynamo-lake's --json reports for ./dev bench (one line on stdout).

    bench_summary.py pipeline   < export/convert --json report
    bench_summary.py queries    < bench-queries output
"""
import json
import sys


def pipeline(r):
    return (f"{r['items_read']} items in {r['seconds']:.2f} s = {r['items_per_second']:.0f} items/s, "
            f"peak RSS {r['peak_rss_bytes'] / 2**20:.0f} MiB, {len(r['files'])} files")


def queries(r):
    parts = [f"{k} p50 {r[k]['p50_ms']:.1f} ms / p90 {r[k]['p90_ms']:.1f} ms" for k in ("stats", "daily", "by_agent")]
    return f"{r['rows']} rows: " + ", ".join(parts)


kind = sys.argv[1] if len(sys.argv) > 1 else "pipeline"
report = json.load(sys.stdin)
print({"pipeline": pipeline, "queries": queries}[kind](report))
