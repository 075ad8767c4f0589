"""Checks the DKIM signature of a message with dkimpy, the public key given
instead of a DNS lookup. Usage: dkim_verify.py MESSAGE_FILE PUBLIC_KEY_B64.
Exits 0 when the signature verifies, 1 otherwise (printing why)."""

import sys

import dkim


def main():
    message = open(sys.argv[1], "rb").read()
    key = open(sys.argv[2]).read().strip()
    record = ("v=DKIM1; k=rsa; p=%s" % key).encode()

    def dns(name, timeout=5):
        return record

    verifier = dkim.DKIM(message)
    ok = verifier.verify(dnsfunc=dns)
    if not ok:
        print("DKIM signature does not verify", file=sys.stderr)
        sys.exit(1)
    print("verified")


if __name__ == "__main__":
    main()
