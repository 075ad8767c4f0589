"""The SMTP sink the end-to-end tests read mail from: aiosmtpd storing
every message in a Maildir, like `python -m aiosmtpd -c
aiosmtpd.handlers.Mailbox`, plus two kinds of relay trouble on demand:

- a recipient whose local part starts with `tempfail` is refused with
  451 the first time it is offered, and accepted afterwards;
- one whose local part starts with `reject` is always refused with 550.

Usage: smtp_sink.py HOST:PORT MAILDIR
"""

import asyncio
import mailbox
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


class Troublesome(Mailbox):
    def __init__(self, maildir):
        super().__init__(maildir)
        self.refused_once = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        if local.startswith("tempfail") and address not in self.refused_once:
            self.refused_once.add(address)
            return "451 4.7.1 <%s>: Greylisted, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    mailbox.Maildir(sys.argv[2], create=True)
    controller = Controller(Troublesome(sys.argv[2]), hostname=host, port=int(port))
    controller.start()
    try:
        asyncio.get_event_loop().run_forever()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
