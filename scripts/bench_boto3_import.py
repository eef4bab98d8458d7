#!/usr/bin/env python3
"""The boto3 side of ./dev bench's import comparison: what a hand-written seed 002 import looks like.

    bench_boto3_import.py --source DIR --table T --endpoint-url URL
    bench_boto3_import.py --compare T1 T2 --endpoint-url URL

Streams every file of DIR in name order (gzip CSV parts hem_export_000.gz, …) through
csv.DictReader and writes each row with Table.batch_writer(overwrite_by_pkeys=['vup_id', 'hem']),
mapped the way seed 002 does and `dynamo-lake import --fallback 'vup_id=UNRESOLVED#{hem:0:2}'
--default 'updated_at={now}'` does: values trimmed, empty ones omitted, a missing vup_id becomes
UNRESOLVED#<first two characters of hem>, a missing updated_at the run's start (UTC, ISO 8601, Z);
a row without hem is skipped (counted as failed). Prints one JSON object: rows, items_processed,
items_failed, seconds (from the first file opened to the last batch flushed), rows_per_second,
peak_rss_bytes. --compare scans two tables and prints one line: whether they hold the same items
(updated_at aside where each run filled in its own {now}).

Needs boto3 (the bench's venv tests/.venv-bench); credentials are fake (a local endpoint).
"""
import argparse
import csv
import datetime
import gzip
import json
import os
import resource
import time

import boto3


def resource_for(endpoint_url):
    return boto3.resource("dynamodb", endpoint_url=endpoint_url, region_name="us-east-1",
                          aws_access_key_id="dynamo-lake-local", aws_secret_access_key="dynamo-lake-local")


def open_text(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rt", encoding="utf-8-sig", newline="") if gz else \
        open(path, encoding="utf-8-sig", newline="")


def import_rows(table, source):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    files = sorted(f for f in os.listdir(source) if not f.startswith("."))
    rows = failed = 0
    t0 = time.monotonic()
    with table.batch_writer(overwrite_by_pkeys=["vup_id", "hem"]) as batch:
        for name in files:
            with open_text(os.path.join(source, name)) as f:
                for row in csv.DictReader(f):
                    rows += 1
                    item = {}
                    for k, v in row.items():
                        if k is None or v is None:
                            continue
                        v = v.strip()
                        if v:
                            item[k] = v
                    hem = item.get("hem")
                    if not hem:
                        failed += 1
                        continue
                    if "vup_id" not in item:
                        item["vup_id"] = "UNRESOLVED#" + hem[:2]
                    item.setdefault("updated_at", now)
                    batch.put_item(Item=item)
    seconds = time.monotonic() - t0
    return {
        "rows": rows,
        "items_processed": rows - failed,
        "items_failed": failed,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rows / seconds) if seconds > 0 else None,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "boto3": boto3.__version__,
    }


def scan(client, table):
    """Every item of TABLE as {(vup_id, hem): item}."""
    items, kwargs = {}, {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        for item in page["Items"]:
            items[(item["vup_id"], item["hem"])] = item
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def compare(client, a, b):
    """One line: how many items each table holds and how many are the same in both."""
    ia, ib = scan(client, a), scan(client, b)
    same = now_only = other = 0
    for key, x in ia.items():
        y = ib.get(key)
        if y is None:
            continue
        if x == y:
            same += 1
        elif {k: v for k, v in x.items() if k != "updated_at"} == {k: v for k, v in y.items() if k != "updated_at"}:
            now_only += 1  # rows without updated_at: each run's own {now}
        else:
            other += 1
    only = len(ia.keys() - ib.keys()) + len(ib.keys() - ia.keys())
    verdict = "the same items" if other == 0 and only == 0 else "DIFFERENT items"
    return (f"{a} holds {len(ia)} items, {b} {len(ib)}: {same} identical, {now_only} differ only in the "
            f"defaulted updated_at, {other} otherwise, {only} in one table only ({verdict})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source")
    ap.add_argument("--table")
    ap.add_argument("--compare", nargs=2, metavar="TABLE")
    ap.add_argument("--endpoint-url", required=True)
    a = ap.parse_args()
    ddb = resource_for(a.endpoint_url)
    if a.compare:
        print(compare(ddb.meta.client, *a.compare))
    elif a.source and a.table:
        print(json.dumps(import_rows(ddb.Table(a.table), a.source), indent=2))
    else:
        ap.error("--source and --table, or --compare")


if __name__ == "__main__":
    main()
