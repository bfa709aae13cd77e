"""A real SMTP server for tests: accepts every message on 127.0.0.1:PORT (no TLS, no auth)
and writes each one, as received, to DIR/<time>-<n>.eml. Tests read the folder.

usage: mail_sink.py PORT DIR
"""
import itertools
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
        n = next(self.counter)
        tmp = os.path.join(self.folder, f".incoming-{n}")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        # Rename so readers never see a half-written file.
        os.rename(tmp, os.path.join(self.folder, f"{time.time_ns()}-{n}.eml"))
        return "250 Message accepted"


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
