#!/usr/bin/env python3
"""Runs a command and says how much CPU it and another process (dynalite's node) used meanwhile.

    bench_cpu.py [--pid PID] --out FILE -- COMMAND [ARGS…]

COMMAND keeps this process's standard input, output and error. FILE gets one JSON object:
{"wall_seconds", "command_cpu_seconds" (user + system of COMMAND and its children),
"watched_cpu_seconds" (user + system of PID over the same time, from /proc/PID/stat; null without
--pid or when PID is gone), "watched_cpu_samples" (PID's CPU share of one core in each
second, which tells a steady 100% from an average)}. Exits with COMMAND's status.
"""
import argparse
import json
import os
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of PID in seconds, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICK  # fields 14 and 15 of proc(5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int)
    ap.add_argument("--out", required=True)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command")

    samples, done = [], threading.Event()

    def sample():
        last = cpu_seconds(a.pid)
        while not done.wait(1.0) and last is not None:
            now = cpu_seconds(a.pid)
            if now is None:
                break
            samples.append(round(now - last, 2))
            last = now

    watched0 = cpu_seconds(a.pid) if a.pid else None
    t0 = time.monotonic()
    child = os.fork()
    if child == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    sampler = threading.Thread(target=sample, daemon=True) if a.pid else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(child, 0)
    wall = time.monotonic() - t0
    done.set()
    watched1 = cpu_seconds(a.pid) if a.pid else None
    if sampler:
        sampler.join()
    report = {
        "wall_seconds": round(wall, 3),
        "command_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "watched_cpu_seconds": None if watched0 is None or watched1 is None else round(watched1 - watched0, 3),
        "watched_cpu_samples": samples,
    }
    with open(a.out, "w") as f:
        json.dump(report, f)
    raise SystemExit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
