#!/usr/bin/env python3
"""Writes a Redshift UNLOAD-style CSV fixture for the import benchmark (./dev bench): gzip parts
hem_export_000.gz, hem_export_001.gz, … in OUT, each with the header row, ROWS rows in all.

    import_fixture.py --out DIR --rows N [--parts 4] [--seed 2]

Columns: hem,vup_id,email,domain,last_verified,source,updated_at. hem is the SHA-256 of the email
(64 hex characters, unique: every row is its own item); about 10% of the rows have an empty vup_id
(the import's fallback gives them UNRESOLVED#<hem[:2]>); about 20% an empty updated_at (the default
fills it); some fields are padded with spaces (trimmed on import), some are quoted because they hold
commas, double quotes or newlines, and some hold non-ASCII text. Deterministic: the same arguments
give the same bytes (gzip mtime 0). Stdlib only; about 3 µs a row.
"""
import argparse
import csv
import gzip
import hashlib
import io
import os
import random

HEADER = ["hem", "vup_id", "email", "domain", "last_verified", "source", "updated_at"]
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "web.de", "gmx.de",
           "orange.fr", "libero.it", "example.co.uk", "müller-bau.de", "почта.рф", "例え.jp"]
FIRST = ["anna", "ben", "chloé", "dmitri", "eva", "françois", "grace", "hiro", "inès", "jürgen",
         "kai", "lena", "mateo", "nadia", "oskar", "priya", "quinn", "rené", "sofia", "tomás"]
# Plain values and ones a CSV writer must quote (a comma, a double quote, a newline), some non-ASCII.
SOURCES = ["crm", "newsletter", "checkout", "partner_feed", "import_2024", "crm", "newsletter", "checkout",
           "partner, EU", 'form "contact us"', "call centre\nnotes: callback", "salon de thé", "東京 store",
           "  crm  "]


def rows(rng, count, start):
    """The rows start … start+count-1 (the row number makes every email, and so every hem, unique)."""
    for i in range(start, start + count):
        first = rng.choice(FIRST)
        domain = rng.choice(DOMAINS)
        email = f"{first}.{i}@{domain}"
        hem = hashlib.sha256(email.encode()).hexdigest()
        r = rng.random()
        vup_id = "" if r < 0.10 else f"vup_{rng.getrandbits(48):012x}"
        if 0.10 <= r < 0.13:
            vup_id = f" {vup_id} "  # padded: trimmed on import
        day = rng.randrange(1, 29)
        month = rng.randrange(1, 13)
        last_verified = f"2025-{month:02d}-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
        updated_at = "" if rng.random() < 0.20 else f"2026-01-{day:02d}T08:00:00Z"
        yield (hem, vup_id, email, domain, last_verified, rng.choice(SOURCES), updated_at)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--seed", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    parts = max(1, a.parts)
    base, extra = divmod(a.rows, parts)
    start = 0
    for p in range(parts):
        n = base + (1 if p < extra else 0)
        path = os.path.join(a.out, f"hem_export_{p:03d}.gz")
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as gz:
            text = io.TextIOWrapper(gz, encoding="utf-8", newline="", write_through=False)
            w = csv.writer(text, lineterminator="\n")  # UNLOAD writes \n line ends
            w.writerow(HEADER)
            w.writerows(rows(rng, n, start))
            text.flush()
            text.detach()
        start += n


if __name__ == "__main__":
    main()
