"""Schemathesis hooks of the contract fuzz run (loaded by contract_fuzz.py)."""

import re
import uuid

import schemathesis

# The contract's pattern of Idempotency-Key.
VALID_KEY = re.compile(r"[!#-~]{1,255}")


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # A client sends a new key with every new request. The fuzzer draws keys
    # on their own and would send one key with different requests, which the
    # API rightly refuses (422 idempotency_key_reused); a unique suffix keeps
    # each drawn key's shape. Keys drawn to break the pattern are sent as
    # drawn, so refusing those is still checked.
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        headers["Idempotency-Key"] = key[:200] + "-" + uuid.uuid4().hex
