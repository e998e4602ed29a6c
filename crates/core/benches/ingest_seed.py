#!/usr/bin/python3
"""Seeds the mailbox the ingest benchmark syncs: N messages in carol's folder "Bench<N>".

A dedicated folder, so no other test sees different counts. Idempotent: a folder that already
holds N messages is left as it is. Messages go in with IMAP APPEND (Dovecot assigns UIDs and
indexes them); afterwards one CONDSTORE session SELECTs the folder, which SOGo's mail Sync needs
(see tests/servers/README.md, "Dovecot quirk").

    /usr/bin/python3 crates/core/benches/ingest_seed.py [N]     # default 10000
"""
import imaplib
import sys
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

IMAP = ("127.0.0.1", 55143)
USER, PASSWORD = "carol", "carol123"
WORDS = ("Angebot Rechnung Besprechung Straße Grüße Termin Projekt Kontor Lieferung "
         "meeting invoice report schedule budget review draft office calendar").split()


def message(i, now):
    date = now - timedelta(minutes=i)
    w = [WORDS[(i * 7 + k) % len(WORDS)] for k in range(12)]
    body = (f"Hallo Carol,\r\n\r\nNachricht {i}: {' '.join(w)}.\r\n"
            + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8 + "\r\n\r\n-- Bench\r\n")
    return (f"From: Bench Sender {i % 50} <sender{i % 50}@kontor.test>\r\n"
            f"To: Carol Clark <carol@kontor.test>\r\n"
            f"Subject: Bench {i}: {w[0]} {w[1]} {w[2]}\r\n"
            f"Date: {format_datetime(date)}\r\n"
            f"Message-ID: <bench-{i}@kontor.test>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}").encode("utf-8")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    folder = f"Bench{n}"
    m = imaplib.IMAP4(*IMAP)
    m.login(USER, PASSWORD)
    m.create(folder)
    m.subscribe(folder)
    typ, data = m.select(folder)
    have = int(data[0])
    now = datetime.now(timezone.utc)
    t0 = time.time()
    for i in range(have, n):
        typ, resp = m.append(folder, None, imaplib.Time2Internaldate(now - timedelta(minutes=i)),
                             message(i, now))
        if typ != "OK":
            sys.exit(f"APPEND {i}: {resp}")
        if i % 1000 == 999:
            print(f"{i + 1} messages ({time.time() - t0:.0f} s)", flush=True)
    m.logout()
    # CONDSTORE once, so SELECT reports HIGHESTMODSEQ (needed by SOGo's Sync).
    m = imaplib.IMAP4(*IMAP)
    m.login(USER, PASSWORD)
    m.enable("CONDSTORE")
    typ, data = m.select(folder)
    count = int(data[0])
    if "HIGHESTMODSEQ" not in m.untagged_responses:
        sys.exit(f"{folder}: no HIGHESTMODSEQ after ENABLE CONDSTORE")
    m.logout()
    print(f"{folder}: {count} messages for {USER} (added {n - have} in {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
