"""A real SMTP server for tests: accepts every message on 127.0.0.1:PORT (no TLS, no auth)
and writes each one, as received, to DIR/<time>-<n>.eml, with its decoded parts beside it in
DIR/<time>-<n>.json ({to, from, subject, text, html}). Tests read the folder.

usage: mail_sink.py PORT DIR

A slow server: while DIR/.delay_ms holds a number, each message is answered that many
milliseconds late (the scale test uses it to catch a server with sends in flight).
"""
import asyncio
import email
import email.policy
import itertools
import json
import os
import signal
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        try:
            with open(os.path.join(self.folder, ".delay_ms")) as f:
                await asyncio.sleep(int(f.read().strip() or 0) / 1000)
        except (FileNotFoundError, ValueError):
            pass
        n = next(self.counter)
        raw = envelope.original_content or envelope.content
        name = f"{time.time_ns()}-{n}"
        self.write(f"{name}.json", json.dumps(decode(raw)).encode())
        self.write(f"{name}.eml", raw)
        return "250 Message accepted"

    def write(self, name, data):
        # Written aside, then renamed, so readers never see a half-written file. The aside name
        # must not end in .eml or .json: readers pick files by those endings.
        tmp = os.path.join(self.folder, f".incoming-{name}.part")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.folder, name))


def decode(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = lambda kind: (message.get_body(preferencelist=(kind,)) or None)
    content = lambda p: p.get_content() if p is not None else ""
    return {
        "to": str(message["to"] or ""),
        "from": str(message["from"] or ""),
        "subject": str(message["subject"] or ""),
        "text": content(part("plain")),
        "html": content(part("html")),
        "message_id": str(message["message-id"] or ""),
    }


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"mail sink listening on 127.0.0.1:{port}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
