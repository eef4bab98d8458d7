#!/usr/bin/env python3
"""Starts a local AWS stand-in on a free loopback port, prints "port N" once it accepts
connections, and stops it when standard input closes, so a test process that started it cannot
leave it behind.

    tests/stand-in.py s3s-fs DIR   S3 with real signature checks (fake keys dynamo-lake-local)
    tests/stand-in.py moto         moto server (Athena request flow, S3, DynamoDB control plane)
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

LOCAL_KEY = "dynamo-lake-local"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(kind, port, rest):
    if kind == "s3s-fs":
        if not rest:
            sys.exit("stand-in: s3s-fs needs a data folder")
        exe = shutil.which("s3s-fs") or os.path.expanduser("~/.cargo/bin/s3s-fs")
        if not os.path.exists(exe):
            sys.exit("stand-in: s3s-fs is not installed: run ./dev bootstrap")
        os.makedirs(rest[0], exist_ok=True)
        return [exe, "--host", "127.0.0.1", "--port", str(port),
                "--access-key", LOCAL_KEY, "--secret-key", LOCAL_KEY, rest[0]]
    if kind == "moto":
        # The project's own venv (made by ./dev bootstrap when the machine's Python lacks moto).
        here = os.path.dirname(os.path.abspath(__file__))
        venv = os.path.join(here, ".venv", "bin", "python3")
        python = venv if os.path.exists(venv) else sys.executable
        return [python, os.path.join(here, "moto-server.py"), "-H", "127.0.0.1", "-p", str(port)]
    sys.exit(f"stand-in: unknown stand-in {kind!r}: expected s3s-fs or moto")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    port = free_port()
    child = subprocess.Popen(command(sys.argv[1], port, sys.argv[2:]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)

    def stop(*_):
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + 60
    while True:
        if child.poll() is not None:
            sys.exit(f"stand-in: {sys.argv[1]} exited with {child.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                child.kill()
                sys.exit(f"stand-in: {sys.argv[1]} did not listen on port {port} within 60 s")
            time.sleep(0.1)
    print(f"port {port}", flush=True)
    sys.stdin.read()
    stop()


if __name__ == "__main__":
    main()
