#!/usr/bin/env python3
"""Property-based fuzzing of the running API against its own contract.

Starts the real `msp-portal` binary on a fresh SQLite file, creates an MSP and
signs its owner in, then lets schemathesis (a tool nobody here wrote) generate
valid and invalid requests for every operation in openapi/openapi.json and
check every response: no 5xx, status codes and bodies as documented,
content types as declared. Exits non-zero on any failure.

Usage: contract_fuzz.py PATH/TO/msp-portal PATH/TO/openapi.json
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

PASSWORD = "correct horse battery staple"
# The example credentials of the contract, so that its login example signs in.
EMAIL = "owner@example-msp.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(base: str, server: subprocess.Popen, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"server exited early with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("server did not become ready in time")


def login(base: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/login",
        data=json.dumps({"email": EMAIL, "password": PASSWORD}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["access_token"]


def main() -> int:
    binary, contract = sys.argv[1], sys.argv[2]
    st = shutil.which("st") or os.path.join(os.path.dirname(sys.argv[0]), "st")
    workdir = tempfile.mkdtemp(prefix="msp-fuzz-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        DATABASE_URL=os.path.join(workdir, "fuzz.db"),
        BIND_ADDR=f"127.0.0.1:{port}",
        JWT_SECRET="fuzz-secret-fuzz-secret-fuzz-secret-0123",
        MSP_PORTAL_OWNER_PASSWORD=PASSWORD,
        RUST_LOG="warn",
        HTTP_WORKERS="2",
    )
    subprocess.run([binary, "bootstrap", "--msp-name", "Fuzz MSP", "--owner-email", EMAIL], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    log_path = os.path.join(workdir, "server.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([binary, "serve"], env=env, stderr=log)
    try:
        wait_until_ready(base, server)
        token = login(base)
        config = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
        command = [
            st, "--config-file", config, "run", contract,
            "--url", base,
            # Logging out would end the session the fuzzer runs with.
            "--exclude-operation-id", "logout",
            "--max-examples", os.environ.get("FUZZ_EXAMPLES", "40"),
            "--seed", os.environ.get("FUZZ_SEED", "20261124"),
            "--no-color",
        ]
        print("+", " ".join(command), flush=True)
        hooks_dir = os.path.dirname(os.path.abspath(__file__))
        python_path = os.pathsep.join(p for p in [hooks_dir, os.environ.get("PYTHONPATH", "")] if p)
        result = subprocess.run(command, env=dict(os.environ, PYTHONPATH=python_path, SCHEMATHESIS_HOOKS="fuzz_hooks",
                                                  FUZZ_TOKEN=token))
    finally:
        server.terminate()
        server.wait(timeout=40)
    with open(log_path) as log:
        server_log = log.read()
    if "panicked" in server_log:
        print(server_log)
        print("the server panicked during fuzzing")
        return 1
    if server.returncode != 0:
        print(server_log)
        print(f"the server did not stop cleanly: exit code {server.returncode}")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
