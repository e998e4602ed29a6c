#!/usr/bin/python3
"""Seeds Kontor's local test servers (see README.md next to this file).

    seed.py all              everything below; each step is idempotent
    seed.py condstore USER…  redo the Dovecot CONDSTORE fix for USER (after creating folders)
    seed.py verify           EAS checks as alice: FolderSync lists bob's shared calendar, Sync
                             of her Inbox and calendars returns the seeded items; then verify-zpush
    seed.py verify-zpush     the same over Z-Push, after its two-phase Provision
    seed.py users USER…      seed users added after the first seeding (mail, folders, CONDSTORE)
    seed.py calendars        re-PUT the seeded calendar items with dates relative to now
    seed.py directory        the company directory on Radicale (Z-Push's GAL) and every user's
                             address book there; run by tests/servers/start on each start

Python standard library only, so it runs with Debian's /usr/bin/python3 on a fresh machine.
Every time is derived from "now" at seeding; the values used are written to
$KONTOR_SERVERS_DIR/seed-info.json for tests that want the exact figures.
"""

import base64
import datetime as dt
import http.client
import http.cookies
import imaplib
import json
import os
import smtplib
import socket
import sys
import time
import urllib.parse
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "seed")
SAFETY_CORPUS = os.path.join(HERE, "..", "corpus", "safety")
# Who gets the safety corpus besides the usual seeded mail.
CORPUS_USERS = {"ivan"}
DATA = os.path.abspath(os.environ.get("KONTOR_SERVERS_DIR") or os.path.join(HERE, "..", "..", ".servers"))
LMTP_SOCKET = os.path.join(DATA, "dovecot", "run", "lmtp")
IMAP = ("127.0.0.1", 55143)
SOGO = ("127.0.0.1", 20000)
RADICALE = ("127.0.0.1", 55232)
ZPUSH = ("127.0.0.1", 55080)
DOMAIN = "kontor.test"
BERLIN = ZoneInfo("Europe/Berlin")

USERS = {
    "alice": ("alice123", "Alice Archer"),
    "bob": ("bob123", "Bob Baker"),
    "carol": ("carol123", "Carol Cooper"),
    # Users of the fault and crash tests only: those create and delete folders in bulk, so
    # each test binary gets a mailbox of its own and never disturbs the others (an EAS Sync
    # answers status 12 when the folder hierarchy changed since the last FolderSync).
    "dave": ("dave123", "Dave Decker"),
    "erin": ("erin123", "Erin Engel"),
    "frank": ("frank123", "Frank Fischer"),
    "grace": ("grace123", "Grace Graf"),
    "heidi": ("heidi123", "Heidi Hahn"),
    # The safety E2E test's user: the mails of tests/corpus/safety are delivered to him.
    "ivan": ("ivan123", "Ivan Imhof"),
}
# The company directory's owner on Radicale (tests/servers/lib.sh DIRECTORY_USER): not a mail
# user, it only writes the directory address book.
DIRECTORY = ("directory", "directory123")
# What the directory says of each user besides name and address: (department, title, phone).
DIRECTORY_ENTRIES = {
    "alice": ("Vertrieb", "Vertriebsleiterin", "+49 30 1234567-11"),
    "bob": ("Buchhaltung", "Buchhalter", "+49 30 1234567-12"),
    "carol": ("Einkauf", "Einkäuferin", "+49 30 1234567-13"),
}
# Who writes the seeded mail to whom.
SENDER_OF = {"alice": "bob", "bob": "carol", "carol": "alice",
             "dave": "alice", "erin": "alice", "frank": "alice", "grace": "alice",
             "heidi": "alice", "ivan": "bob"}


def say(msg):
    print(f"{time.strftime('%H:%M:%S')} seed: {msg}", flush=True)


def fail(msg):
    print(f"error: seed: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def addr(user):
    return f'"{USERS[user][1]}" <{user}@{DOMAIN}>'


# ---------------------------------------------------------------------------------- times


def last_sunday(year, month):
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(year, 12, 31)
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)


def seed_times(now_utc):
    """All dates the templates use, relative to now (Europe/Berlin calendar days)."""
    today = now_utc.astimezone(BERLIN).date()
    # The most recent DST change in Europe/Berlin (last Sunday of March or October) on or
    # before today. The weekly series starts three weeks before it, on a Tuesday, and runs
    # until at least four weeks after today, so it always spans that change and "now".
    changes = [
        last_sunday(y, m) for y in (today.year - 1, today.year) for m in (3, 10)
    ]
    dst_change = max(d for d in changes if d <= today)
    series_start = dst_change - dt.timedelta(days=19)  # a Tuesday
    series_count = (today - series_start).days // 7 + 6
    soon_start = (now_utc + dt.timedelta(minutes=15)).replace(second=0, microsecond=0)
    monday = today - dt.timedelta(days=today.weekday())

    def d(x):
        return x.strftime("%Y%m%d")

    def utc(x):
        return x.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    return {
        "DTSTAMP": utc(now_utc),
        "DST_CHANGE": dst_change.isoformat(),
        "SERIES_START": d(series_start),
        "SERIES_COUNT": str(series_count),
        "SERIES_EXDATE": d(dst_change + dt.timedelta(days=2)),
        "SERIES_EXCEPTION": d(dst_change + dt.timedelta(days=9)),
        "SOON_START_UTC": utc(soon_start),
        "SOON_END_UTC": utc(soon_start + dt.timedelta(minutes=30)),
        "YESTERDAY": d(today - dt.timedelta(days=1)),
        "TODAY": d(today),
        "TOMORROW": d(today + dt.timedelta(days=1)),
        "TODAY_PLUS_2": d(today + dt.timedelta(days=2)),
        "TODAY_PLUS_3": d(today + dt.timedelta(days=3)),
        "TODAY_PLUS_4": d(today + dt.timedelta(days=4)),
        "TODAY_PLUS_5": d(today + dt.timedelta(days=5)),
        "TODAY_PLUS_7": d(today + dt.timedelta(days=7)),
        "THIS_MONDAY": d(monday),
    }


def fold(line):
    """RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF + space)."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    out, cur = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(cur) + len(b) > (75 if not out else 74):
            out.append(cur.decode("utf-8"))
            cur = b""
        cur += b
    out.append(cur.decode("utf-8"))
    return "\r\n ".join(out)


def render_ics(name, times):
    with open(os.path.join(SEED, "ics", name), encoding="utf-8") as f:
        text = f.read()
    for k, v in times.items():
        text = text.replace("{{" + k + "}}", v)
    if "{{" in text:
        fail(f"unreplaced placeholder in {name}")
    return ("\r\n".join(fold(l) for l in text.splitlines()) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------------- HTTP


def request(server, method, path, user=None, body=None, headers=None, cookies=None, ok=None):
    """One HTTP request; returns (status, headers, body). Retries while the server starts."""
    # SOGo quirk: without a User-Agent header, a calendar home PROPFIND omits subscribed
    # (shared) calendars such as alice's bob_personal.
    hdrs = {"User-Agent": "Kontor-test-seed/1"}
    hdrs.update(headers or {})
    if user:
        password = DIRECTORY[1] if user == DIRECTORY[0] else USERS[user][0]
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        hdrs["Authorization"] = f"Basic {token}"
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if isinstance(body, str):
        body = body.encode("utf-8")
    for attempt in range(60):
        try:
            conn = http.client.HTTPConnection(*server, timeout=60)
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            break
        except (ConnectionError, socket.timeout, http.client.HTTPException, OSError):
            if attempt == 59:
                raise
            time.sleep(0.5)
    if ok is not None and resp.status not in ok:
        fail(f"{method} http://{server[0]}:{server[1]}{path} as {user}: HTTP {resp.status}\n"
             f"{data[:2000].decode('utf-8', 'replace')}")
    return resp.status, resp.headers, data


# ---------------------------------------------------------------------------------- mail

CRLF = "\r\n"


def rfc2822_date(t):
    return t.astimezone(BERLIN).strftime("%a, %d %b %Y %H:%M:%S %z")


def b64_lines(data):
    enc = base64.b64encode(data).decode("ascii")
    return CRLF.join(enc[i:i + 76] for i in range(0, len(enc), 76))


def headers_block(user, kind, subject, date, extra):
    sender = SENDER_OF[user]
    return [
        f"Return-Path: <{sender}@{DOMAIN}>",
        f"From: {addr(sender)}",
        f"To: {addr(user)}",
        f"Subject: {subject}",
        f"Date: {rfc2822_date(date)}",
        f"Message-ID: <{message_id(user, kind)}>",
        "MIME-Version: 1.0",
    ] + extra


def message_id(user, kind, msg=""):
    if kind.startswith("corpus:"):
        # A corpus mail brings its own Message-ID.
        for line in msg.split(CRLF):
            if line.lower().startswith("message-id:"):
                return line.split(":", 1)[1].strip().strip("<>")
        fail(f"{kind} has no Message-ID")
    return f"seed-{kind}.{user}@{DOMAIN}"


def mail_plain(user, now):
    body = [
        f"Hallo {USERS[user][1].split()[0]},",
        "",
        "willkommen bei Kontor. Viele Grüße aus der Straße am Dom.",
        "",
        "This is the plain text test message.",
        "",
        f"-- {USERS[SENDER_OF[user]][1]}",
    ]
    h = headers_block(user, "plain", "Welcome to Kontor", now - dt.timedelta(days=3), [
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ])
    return CRLF.join(h + [""] + body) + CRLF


def mail_html(user, now):
    subject = "=?UTF-8?B?" + base64.b64encode("Newsletter: Grüße aus Köln".encode()).decode() + "?="
    b = "seed-alt-boundary-1"
    h = headers_block(user, "html", subject, now - dt.timedelta(days=2), [
        f'Content-Type: multipart/alternative; boundary="{b}"',
    ])
    plain = "Newsletter\r\n\r\nGrüße aus Köln! Read the HTML version for pictures.\r\n"
    html = ("<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>Newsletter</title></head>\r\n"
            "<body><h1>Newsletter</h1>\r\n<p>Gr&uuml;&szlig;e aus <b>K&ouml;ln</b>!</p>\r\n"
            "<ul><li>Item one</li><li>Item two</li></ul>\r\n"
            "<p><a href=\"https://example.org/\">example.org</a></p></body></html>\r\n")
    parts = [
        "This is a multi-part message in MIME format.",
        f"--{b}",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        plain,
        f"--{b}",
        "Content-Type: text/html; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        html,
        f"--{b}--",
    ]
    return CRLF.join(h + [""] + parts) + CRLF


def mail_attachments(user, now):
    b = "seed-mixed-boundary-1"
    pdf = open(os.path.join(SEED, "report.pdf"), "rb").read()
    txt = open(os.path.join(SEED, "notes.txt"), "rb").read()
    h = headers_block(user, "attachments", "Report with attachments", now - dt.timedelta(days=1), [
        f'Content-Type: multipart/mixed; boundary="{b}"',
    ])
    parts = [
        "This is a multi-part message in MIME format.",
        f"--{b}",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Please find the report and my notes attached.\r\n",
        f"--{b}",
        'Content-Type: application/pdf; name="report.pdf"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="report.pdf"',
        "",
        b64_lines(pdf),
        f"--{b}",
        'Content-Type: text/plain; charset=UTF-8; name="notes.txt"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="notes.txt"',
        "",
        b64_lines(txt),
        f"--{b}--",
    ]
    return CRLF.join(h + [""] + parts) + CRLF


def mail_invitation(user, now, times):
    organizer = SENDER_OF[user]
    b = "seed-invite-boundary-1"
    day = times["TODAY_PLUS_2"]
    ics = CRLF.join([
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kontor//test seed//EN",
        "METHOD:REQUEST",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        f"UID:kontor-seed-invite-{user}@{DOMAIN}",
        f"DTSTAMP:{times['DTSTAMP']}",
        "SEQUENCE:0",
        "SUMMARY:Project kickoff",
        "LOCATION:Room 3",
        f"DTSTART;TZID=Europe/Berlin:{day}T110000",
        f"DTEND;TZID=Europe/Berlin:{day}T120000",
        fold(f'ORGANIZER;CN="{USERS[organizer][1]}":mailto:{organizer}@{DOMAIN}'),
        fold(f'ATTENDEE;CN="{USERS[user][1]}";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;'
             f"RSVP=TRUE:mailto:{user}@{DOMAIN}"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]) + CRLF
    h = headers_block(user, "invitation", "Invitation: Project kickoff", now - dt.timedelta(hours=2), [
        f'Content-Type: multipart/alternative; boundary="{b}"',
    ])
    parts = [
        "This is a multi-part message in MIME format.",
        f"--{b}",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        f"{USERS[organizer][1]} invites you to \"Project kickoff\" on {day[:4]}-{day[4:6]}-{day[6:]} "
        "11:00-12:00 (Europe/Berlin), Room 3.\r\n",
        f"--{b}",
        'Content-Type: text/calendar; charset=UTF-8; method=REQUEST',
        "Content-Transfer-Encoding: 8bit",
        "",
        ics,
        f"--{b}--",
    ]
    return CRLF.join(h + [""] + parts) + CRLF


def imap_login(user):
    m = imaplib.IMAP4(*IMAP)
    m.login(user, USERS[user][0])
    return m


def seed_mail(user, now, times):
    messages = [
        ("plain", mail_plain(user, now)),
        ("html", mail_html(user, now)),
        ("attachments", mail_attachments(user, now)),
        ("invitation", mail_invitation(user, now, times)),
    ]
    if user in CORPUS_USERS:
        for name in sorted(os.listdir(SAFETY_CORPUS)):
            if name.endswith(".eml"):
                with open(os.path.join(SAFETY_CORPUS, name), encoding="utf-8", newline="") as f:
                    messages.append((f"corpus:{name}", f.read()))
    m = imap_login(user)
    m.select("INBOX")
    todo = []
    for kind, msg in messages:
        typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", message_id(user, kind, msg))
        if typ != "OK":
            fail(f"IMAP SEARCH for {user}: {data}")
        if not data[0].split():
            todo.append((kind, msg))
    m.logout()
    if not todo:
        return
    # Delivered in this order, so on a fresh INBOX the UIDs are 1..4 as documented.
    with smtplib.LMTP(LMTP_SOCKET) as lmtp:
        for kind, msg in todo:
            assert "\n" not in msg.replace("\r\n", ""), "bare LF in seed mail"
            lmtp.sendmail(f"{SENDER_OF[user]}@{DOMAIN}", [f"{user}@{DOMAIN}"], msg.encode("utf-8"))
    say(f"{user}: delivered {', '.join(k for k, _ in todo)} mail(s) over LMTP")


def condstore(user):
    """Dovecot reports HIGHESTMODSEQ on SELECT only once some session used CONDSTORE on that
    mailbox; SOGo's EAS mail Sync needs it (without it a mailbox syncs as empty forever).
    One session that ENABLEs CONDSTORE and SELECTs every mailbox fixes that."""
    m = imap_login(user)
    typ, data = m.enable("CONDSTORE")
    if typ != "OK":
        fail(f"ENABLE CONDSTORE for {user}: {data}")
    typ, boxes = m.list('""', "*")
    if typ != "OK":
        fail(f"LIST for {user}: {boxes}")
    names = []
    for line in boxes:
        if line is None:
            continue
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        # (\Flags) "/" name   -- the name may be quoted
        name = text.split(') ', 1)[1].split(" ", 1)[1]
        if "\\Noselect" in text or "\\NonExistent" in text:
            continue
        names.append(name if name.startswith('"') else f'"{name}"')
    for name in names:
        typ, data = m.select(name)
        if typ != "OK":
            fail(f"SELECT {name} for {user}: {data}")
        modseq = m.untagged_responses.get("HIGHESTMODSEQ")
        if not modseq:
            fail(f"SELECT {name} for {user} reported no HIGHESTMODSEQ after ENABLE CONDSTORE")
    m.logout()
    # Check the effect: a new session without CONDSTORE must now see HIGHESTMODSEQ.
    m = imap_login(user)
    for name in names:
        m.select(name)
        if not m.untagged_responses.get("HIGHESTMODSEQ"):
            fail(f"{user}: SELECT {name} still reports no HIGHESTMODSEQ")
    m.logout()
    say(f"{user}: CONDSTORE enabled on {len(names)} mailbox(es)")


# ---------------------------------------------------------------------------------- CalDAV

SOGO_EVENTS = {
    "alice": ["weekly-series", "alarm-soon", "alarm-tomorrow", "all-day", "task-open", "task-done"],
    # bob-invite names alice as attendee: SOGo files the invitation in her calendar too.
    "bob": ["bob-planning", "bob-offsite", "bob-invite"],
}
RADICALE_CALENDARS = {
    ("alice", "calendar", "Alice's calendar"): [
        "weekly-series", "alarm-soon", "alarm-tomorrow", "all-day", "task-open", "task-done"],
    ("bob", "team", "Team"): ["team-standup", "team-release"],
}


def put_ics(server, user, collection_path, name, times):
    body = render_ics(f"{name}.ics", times)
    request(server, "PUT", f"{collection_path}{name}.ics", user, body,
         {"Content-Type": "text/calendar; charset=utf-8"}, ok=(200, 201, 204))


def seed_sogo_calendars(times):
    for user, names in SOGO_EVENTS.items():
        # The first authenticated access creates the user's personal calendar.
        request(SOGO, "PROPFIND", f"/SOGo/dav/{user}/Calendar/", user, "",
             {"Depth": "1"}, ok=(207,))
        for name in names:
            put_ics(SOGO, user, f"/SOGo/dav/{user}/Calendar/personal/", name, times)
        say(f"SOGo {user}/Calendar/personal: {len(names)} item(s)")


INVERSE = "urn:inverse:params:xml:ns:inverse-dav"


def share_bob_with_alice():
    path = "/SOGo/dav/bob/Calendar/personal/"
    xml = '<?xml version="1.0" encoding="utf-8"?>\n'
    ctype = {"Content-Type": "application/xml; charset=utf-8"}
    request(SOGO, "REPORT", path, "bob",
         xml + f'<acl-query xmlns="{INVERSE}"><add-user user="alice"/></acl-query>',
         ctype, ok=(200, 204, 207))
    request(SOGO, "REPORT", path, "bob",
         xml + f'<acl-query xmlns="{INVERSE}"><set-roles user="alice">'
         "<PublicViewer/><PrivateViewer/><ConfidentialViewer/></set-roles></acl-query>",
         ctype, ok=(200, 204, 207))
    request(SOGO, "POST", path, "alice", xml + f'<subscribe xmlns="{INVERSE}"/>', ctype,
         ok=(200, 204, 207))
    # SOGo may answer from a cached copy of alice's settings for a moment: poll.
    for _ in range(40):
        status, _, body = request(SOGO, "PROPFIND", "/SOGo/dav/alice/Calendar/", "alice", "",
                                  {"Depth": "1"}, ok=(207,))
        if b"/SOGo/dav/alice/Calendar/bob_personal/" in body:
            break
        time.sleep(0.5)
    else:
        fail("after subscribing, alice's calendar home does not list bob_personal")
    say("SOGo: bob's personal calendar shared with alice, subscribed as bob_personal")


def sogo_web_session(user):
    """POST /SOGo/connect: returns the session cookies and the XSRF token."""
    status, headers, body = request(
        SOGO, "POST", "/SOGo/connect", None,
        json.dumps({"userName": user, "password": USERS[user][0], "rememberLogin": 0}),
        {"Content-Type": "application/json"}, ok=(200,))
    cookies = {}
    for value in headers.get_all("Set-Cookie") or []:
        c = http.cookies.SimpleCookie()
        c.load(value)
        for k, morsel in c.items():
            cookies[k] = morsel.value
    token = cookies.get("XSRF-TOKEN")
    if not token:
        fail(f"SOGo /connect for {user} gave no XSRF-TOKEN cookie (got {sorted(cookies)})")
    return cookies, token


def set_synchronize(user, folder):
    """Sets SOGo's per-folder EAS "synchronize" flag (the web UI's "Synchronize" checkbox)."""
    cookies, token = sogo_web_session(user)
    request(SOGO, "POST", f"/SOGo/so/{user}/Calendar/{folder}/save", None,
         json.dumps({"synchronize": 1}),
         {"Content-Type": "application/json", "X-XSRF-TOKEN": token}, cookies=cookies,
         ok=(200, 204))
    say(f"SOGo: {user}/Calendar/{folder} marked for ActiveSync synchronization")


# ---------------------------------------------------------------------------------- EAS check
# A hand-assembled FolderSync (MS-ASCMD 2.2.1.5) in WBXML (MS-ASWBXML code page 7,
# FolderHierarchy): FolderSync 0x16, SyncKey 0x12, Add 0x0F, ServerId 0x08, ParentId 0x09,
# DisplayName 0x07, Type 0x0A.
FH_TAGS = {0x07: "DisplayName", 0x08: "ServerId", 0x09: "ParentId", 0x0A: "Type", 0x0C: "Status",
           0x0F: "Add", 0x12: "SyncKey", 0x16: "FolderSync"}


def mb_uint(data, i):
    v = 0
    while True:
        b = data[i]
        i += 1
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            return v, i


def wbxml_elements(data):
    """Minimal WBXML 1.3 reader: yields (page, tag, text-or-None) for elements with text and
    ('end', page, tag) at element ends. Enough for a FolderSync response."""
    i = 1
    _, i = mb_uint(data, i)  # public id
    _, i = mb_uint(data, i)  # charset
    n, i = mb_uint(data, i)  # string table
    i += n
    page, stack = 0, []
    while i < len(data):
        t = data[i]
        i += 1
        if t == 0x00:
            page = data[i]
            i += 1
        elif t == 0x01:
            if stack:
                yield ("end",) + stack.pop()
        elif t == 0x03:
            end = data.index(b"\x00", i)
            yield ("text", stack[-1][0], stack[-1][1], data[i:end].decode("utf-8"))
            i = end + 1
        elif t == 0xC3:
            n, i = mb_uint(data, i)
            yield ("opaque", stack[-1][0], stack[-1][1], data[i:i + n])
            i += n
        else:
            tag = t & 0x3F
            if t & 0x40:
                stack.append((page, tag))
            else:
                yield ("empty", page, tag, None)


def eas_folders(user):
    body = bytes([0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52]) + str_i("0") + bytes([0x01, 0x01])
    data = eas_post(user, "FolderSync", body)
    folders, cur = [], None
    for ev in wbxml_elements(data):
        if ev[0] == "end" and ev[1:] == (7, 0x0F):
            folders.append(cur)
            cur = None
        elif ev[0] == "text" and ev[1] == 7:
            if ev[2] in (0x07, 0x08, 0x09, 0x0A):
                cur = cur or {}
                cur[FH_TAGS[ev[2]]] = ev[3]
            elif ev[2] == 0x0C and ev[3] != "1":
                fail(f"EAS FolderSync as {user}: Status {ev[3]}")
    return folders


def eas_post(user, cmd, body, server=SOGO, path="/SOGo/Microsoft-Server-ActiveSync",
             version="14.1", headers=None, ok=(200,), status=False):
    """One EAS command; returns the response body (and the HTTP status when status=True)."""
    qs = urllib.parse.urlencode({"Cmd": cmd, "User": user, "DeviceId": "KontorSeedCheck",
                                 "DeviceType": "KontorSeed"})
    hdrs = {"Content-Type": "application/vnd.ms-sync.wbxml", "MS-ASProtocolVersion": version}
    hdrs.update(headers or {})
    code, _, data = request(server, "POST", f"{path}?{qs}", user, body, hdrs, ok=ok)
    return (code, data) if status else data


def str_i(text):
    return b"\x03" + text.encode("utf-8") + b"\x00"


def eas_sync_count(user, collection_id):
    """Initial EAS Sync (MS-ASCMD 2.2.1.21) of one collection; returns the number of Add
    commands in the first batch. AirSync code page 0: Sync 0x05, Add 0x07, SyncKey 0x0B,
    Status 0x0E, Collection 0x0F, CollectionId 0x12, GetChanges 0x13, WindowSize 0x15,
    Collections 0x1C."""
    head = bytes([0x03, 0x01, 0x6A, 0x00, 0x45, 0x5C, 0x4F])

    def sync(key, extra=b""):
        body = (head + b"\x4B" + str_i(key) + b"\x01" + b"\x52" + str_i(collection_id) + b"\x01"
                + extra + b"\x01\x01\x01")
        return eas_post(user, "Sync", body)

    def text_of(data, tag):
        return [e[3] for e in wbxml_elements(data) if e[0] == "text" and e[1:3] == (0, tag)]

    data = sync("0")
    keys = text_of(data, 0x0B)
    if not keys:
        fail(f"EAS Sync of {collection_id} as {user}: no SyncKey in the answer")
    data = sync(keys[0], b"\x13" + b"\x55" + str_i("100") + b"\x01")
    if not data:
        return 0
    status = text_of(data, 0x0E)
    if status and status[0] != "1":
        fail(f"EAS Sync of {collection_id} as {user}: Status {status[0]}")
    return sum(1 for e in wbxml_elements(data) if e[0] == "end" and e[1:] == (0, 0x07))


def verify_eas_mail(user, folders):
    inbox = [f for f in folders if f.get("Type") == "2"]
    if not inbox:
        fail(f"EAS FolderSync as {user} has no Inbox")
    n = eas_sync_count(user, inbox[0]["ServerId"])
    if n < 4:
        fail(f"EAS Sync of {user}'s Inbox returned {n} messages, expected at least 4 "
             "(is the Dovecot CONDSTORE fix applied? tests/servers/condstore)")
    say(f"EAS Sync of {user}'s Inbox returns {n} messages")


def verify_eas_shared_calendar():
    folders = eas_folders("alice")
    shared = [f for f in folders if "bob_personal" in f.get("ServerId", "")]
    if not shared:
        names = ", ".join(f"{f.get('DisplayName')} ({f.get('ServerId')})" for f in folders)
        fail(f"EAS FolderSync as alice does not list bob's calendar; folders: {names}")
    f = shared[0]
    say(f"EAS FolderSync as alice lists bob's calendar: DisplayName {f['DisplayName']!r}, "
        f"ServerId {f['ServerId']!r}, Type {f['Type']}")
    verify_eas_mail("alice", folders)
    # The seeded calendars over EAS: alice's events and tasks, and bob's shared events.
    for server_id, at_least in (("vevent%2Fpersonal", 4), ("vtodo%2Fpersonal", 2),
                                ("vevent%2Fbob_personal", 2)):
        n = eas_sync_count("alice", urllib.parse.unquote(server_id))
        if n < at_least:
            fail(f"EAS Sync of alice's {server_id} returned {n} items, expected at least {at_least}")
        say(f"EAS Sync of alice's {server_id} returns {n} items")
    return folders


# ---------------------------------------------------------------------------------- Z-Push
# Z-Push (Kopano's ActiveSync front end) serves the same users from the same Dovecot (mail) and
# SOGo (calendars, over CalDAV). Unlike SOGo it enforces provisioning: the checks below go
# through it as a device would.

ZPUSH_PATH = "/Microsoft-Server-ActiveSync"
ZPUSH_VERSION = "14.0"  # the highest it offers
# Tag numbers (MS-ASWBXML): code page 0 AirSync, 7 FolderHierarchy, 14 Provision.
AS, FH, PROV = 0, 7, 14
AS_TAGS = {"Sync": 0x05, "Add": 0x07, "SyncKey": 0x0B, "Status": 0x0E, "Collection": 0x0F,
           "CollectionId": 0x12, "GetChanges": 0x13, "MoreAvailable": 0x14, "WindowSize": 0x15,
           "Collections": 0x1C}
FH_FOLDERSYNC, FH_SYNCKEY, FH_STATUS = 0x16, 0x12, 0x0C
PROV_TAGS = {"Provision": 0x05, "Policies": 0x06, "Policy": 0x07, "PolicyType": 0x08,
             "PolicyKey": 0x09, "Data": 0x0A, "Status": 0x0B, "EASProvisionDoc": 0x0D}


def wbxml(root):
    """Encodes (page, tag, content) as WBXML 1.3 (UTF-8, no string table); content is a str,
    a list of such elements, or None for an empty element."""
    out, page = bytearray([0x03, 0x01, 0x6A, 0x00]), 0

    def emit(el):
        nonlocal page
        p, tag, content = el
        if p != page:
            out.extend([0x00, p])
            page = p
        if content is None or content == []:
            out.append(tag)
            return
        out.append(tag | 0x40)
        if isinstance(content, str):
            out.extend(str_i(content))
        else:
            for child in content:
                emit(child)
        out.append(0x01)

    emit(root)
    return bytes(out)


def zpush_post(user, cmd, root, policy_key, ok=(200,)):
    return eas_post(user, cmd, wbxml(root) if root else b"", server=ZPUSH, path=ZPUSH_PATH,
                    version=ZPUSH_VERSION, headers={"X-MS-PolicyKey": policy_key}, ok=ok,
                    status=True)


def texts(data, page, tag):
    return [e[3] for e in wbxml_elements(data) if e[0] == "text" and e[1:3] == (page, tag)]


def zpush_provision(user):
    """The two-phase Provision (MS-ASPROV): a command with policy key 0 is refused with HTTP 449;
    Provision hands out a temporary key with the policy; acknowledging it with that key gives
    the final key, which every later request carries. Returns the final key."""
    fs = (FH, FH_FOLDERSYNC, [(FH, FH_SYNCKEY, "0")])
    code, _ = zpush_post(user, "FolderSync", fs, "0", ok=(449,))
    say(f"Z-Push FolderSync as {user} with policy key 0: HTTP {code} (provisioning required)")

    def policy(*children):
        t = PROV_TAGS
        return (PROV, t["Provision"], [(PROV, t["Policies"], [(PROV, t["Policy"], [
            (PROV, t["PolicyType"], "MS-EAS-Provisioning-WBXML"), *children])])])

    _, data = zpush_post(user, "Provision", policy(), "0")
    status = texts(data, PROV, PROV_TAGS["Status"])
    temp = texts(data, PROV, PROV_TAGS["PolicyKey"])
    has_doc = any(e[1:3] == (PROV, PROV_TAGS["EASProvisionDoc"]) for e in wbxml_elements(data)
                  if e[0] == "end")
    if status[:2] != ["1", "1"] or not temp or not has_doc:
        fail(f"Z-Push Provision as {user}: Status {status}, PolicyKey {temp}, policy sent: {has_doc}")
    _, data = zpush_post(user, "Provision", policy(
        (PROV, PROV_TAGS["PolicyKey"], temp[0]), (PROV, PROV_TAGS["Status"], "1")), temp[0])
    status = texts(data, PROV, PROV_TAGS["Status"])
    final = texts(data, PROV, PROV_TAGS["PolicyKey"])
    if status[:2] != ["1", "1"] or not final or final[0] == temp[0]:
        fail(f"Z-Push Provision acknowledgement as {user}: Status {status}, PolicyKey {final} "
             f"(temporary {temp[0]})")
    say(f"Z-Push Provision as {user}: temporary policy key {temp[0]}, final {final[0]}")
    return final[0]


def zpush_folders(user, key):
    _, data = zpush_post(user, "FolderSync", (FH, FH_FOLDERSYNC, [(FH, FH_SYNCKEY, "0")]), key)
    status = texts(data, FH, FH_STATUS)
    if status != ["1"]:
        fail(f"Z-Push FolderSync as {user}: Status {status}")
    folders, cur = [], None
    for ev in wbxml_elements(data):
        if ev[0] == "end" and ev[1:] == (FH, 0x0F):
            folders.append(cur)
            cur = None
        elif ev[0] == "text" and ev[1] == FH and ev[2] in (0x07, 0x08, 0x09, 0x0A):
            cur = cur or {}
            cur[FH_TAGS[ev[2]]] = ev[3]
    return folders


def zpush_sync_count(user, key, collection_id):
    """Initial Sync of one collection; follows MoreAvailable (Z-Push may send fewer items than
    the window). Returns the number of Add commands."""
    t = AS_TAGS

    def sync(sync_key, extra=()):
        root = (AS, t["Sync"], [(AS, t["Collections"], [(AS, t["Collection"], [
            (AS, t["SyncKey"], sync_key), (AS, t["CollectionId"], collection_id), *extra])])])
        _, data = zpush_post(user, "Sync", root, key)
        status = texts(data, AS, t["Status"])
        if status and status[0] != "1":
            fail(f"Z-Push Sync of {collection_id} as {user}: Status {status[0]}")
        keys = texts(data, AS, t["SyncKey"])
        return data, (keys[0] if keys else sync_key)

    _, sync_key = sync("0")
    if sync_key == "0":
        fail(f"Z-Push Sync of {collection_id} as {user}: no SyncKey in the answer")
    n = 0
    for _ in range(20):
        data, sync_key = sync(sync_key, [(AS, t["GetChanges"], None), (AS, t["WindowSize"], "100")])
        events = list(wbxml_elements(data)) if data else []
        n += sum(1 for e in events if e[0] == "end" and e[1:] == (AS, t["Add"]))
        if not any(e[1:3] == (AS, t["MoreAvailable"]) for e in events if e[0] == "empty"):
            return n
    fail(f"Z-Push Sync of {collection_id} as {user}: still MoreAvailable after 20 rounds")


def verify_zpush(user="alice"):
    status, headers, _ = request(ZPUSH, "OPTIONS", ZPUSH_PATH + "?" + urllib.parse.urlencode(
        {"Cmd": "OPTIONS", "User": user, "DeviceId": "KontorSeedCheck", "DeviceType": "KontorSeed"}),
        user, ok=(200,))
    versions = headers.get("MS-ASProtocolVersions", "")
    if ZPUSH_VERSION not in versions.split(","):
        fail(f"Z-Push OPTIONS: MS-ASProtocolVersions {versions!r} lacks {ZPUSH_VERSION}")
    say(f"Z-Push OPTIONS: MS-ASProtocolVersions {versions}")
    key = zpush_provision(user)
    folders = zpush_folders(user, key)
    by_id = {f.get("ServerId"): f for f in folders}
    inbox = [f for f in folders if f.get("Type") == "2" and f.get("ServerId", "").startswith("i/")]
    if not inbox or "c/Cpersonal" not in by_id or "c/Tpersonal" not in by_id:
        names = ", ".join(f"{f.get('DisplayName')} ({f.get('ServerId')}, {f.get('Type')})" for f in folders)
        fail(f"Z-Push FolderSync as {user} lacks the Inbox (i/…), c/Cpersonal or c/Tpersonal: {names}")
    say(f"Z-Push FolderSync as {user}: {len(folders)} folders: "
        + ", ".join(f"{f['ServerId']} {f.get('DisplayName')!r} ({f.get('Type')})" for f in folders))
    for collection_id, what, at_least in ((inbox[0]["ServerId"], "mails", 4),
                                          ("c/Cpersonal", "events", 4), ("c/Tpersonal", "tasks", 2)):
        n = zpush_sync_count(user, key, collection_id)
        if n < at_least:
            fail(f"Z-Push Sync of {user}'s {collection_id} returned {n} {what}, expected at least {at_least}")
        say(f"Z-Push Sync of {user}'s {collection_id} returns {n} {what}")


# ---------------------------------------------------------------------------------- Radicale


def seed_radicale(times):
    for (user, cal, display), names in RADICALE_CALENDARS.items():
        # The first authenticated PROPFIND creates the principal collection /<user>/.
        request(RADICALE, "PROPFIND", f"/{user}/", user, "", {"Depth": "0"}, ok=(207,))
        path = f"/{user}/{cal}/"
        status, _, _ = request(RADICALE, "PROPFIND", path, user, "", {"Depth": "0"})
        if status == 404:
            request(RADICALE, "MKCALENDAR", path, user,
                 '<?xml version="1.0" encoding="utf-8"?>\n'
                 '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                 f"<D:set><D:prop><D:displayname>{display}</D:displayname>"
                 "<C:supported-calendar-component-set><C:comp name=\"VEVENT\"/>"
                 "<C:comp name=\"VTODO\"/></C:supported-calendar-component-set>"
                 "</D:prop></D:set></C:mkcalendar>",
                 {"Content-Type": "application/xml; charset=utf-8"}, ok=(201,))
        for name in names:
            put_ics(RADICALE, user, path, name, times)
        say(f"Radicale {path}: {len(names)} item(s)")
    # alice reads bob's team calendar by URL (rights file), but her home does not list it.
    status, _, _ = request(RADICALE, "PROPFIND", "/bob/team/", "alice", "", {"Depth": "1"})
    if status != 207:
        fail(f"alice cannot read Radicale /bob/team/ (HTTP {status}); check the rights file")
    status, _, _ = request(RADICALE, "PUT", "/bob/team/alice-write-test.ics", "alice",
                        render_ics("team-release.ics", times), {"Content-Type": "text/calendar"})
    if status < 400:
        fail(f"alice could write to Radicale /bob/team/ (HTTP {status}); it must be read-only")


MKADDRESSBOOK = ('<?xml version="1.0" encoding="utf-8"?>\n'
                 '<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
                 "<D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
                 "<D:displayname>{name}</D:displayname></D:prop></D:set></D:mkcol>")


def ensure_addressbook(user, path, name):
    request(RADICALE, "PROPFIND", f"/{user}/", user, "", {"Depth": "0"}, ok=(207,))
    status, _, _ = request(RADICALE, "PROPFIND", path, user, "", {"Depth": "0"})
    if status == 404:
        request(RADICALE, "MKCOL", path, user, MKADDRESSBOOK.format(name=name),
                {"Content-Type": "application/xml; charset=utf-8"}, ok=(201,))


def directory_vcard(user):
    first, last = USERS[user][1].split(" ", 1)
    dept, title, phone = DIRECTORY_ENTRIES.get(user, ("", "", ""))
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:directory-{user}", f"FN:{first} {last}",
             f"N:{last};{first};;;", f"EMAIL;TYPE=work:{user}@{DOMAIN}"]
    if dept:
        lines += [f"ORG:Kontor Test GmbH;{dept}", f"TITLE:{title}", f"TEL;TYPE=work:{phone}"]
    return CRLF.join(lines + ["END:VCARD"]) + CRLF


def seed_directory():
    """The company directory Z-Push searches (its CardDAV backend's GAL): one vCard per user
    in Radicale's /directory/users/, which every user may read (rights file), and each user's
    own address book /<user>/contacts/, which Z-Push's CardDAV backend serves as the Contacts
    folder. Rewritten on every start; unchanged entries stay as they are."""
    owner = DIRECTORY[0]
    ensure_addressbook(owner, "/directory/users/", "Firmenverzeichnis")
    for user in USERS:
        request(RADICALE, "PUT", f"/directory/users/{user}.vcf", owner, directory_vcard(user),
                {"Content-Type": "text/vcard; charset=utf-8"}, ok=(201, 204))
        ensure_addressbook(user, f"/{user}/contacts/", "Kontakte")
    status, _, _ = request(RADICALE, "GET", "/directory/users/bob.vcf", "alice")
    if status != 200:
        fail(f"alice cannot read the directory on Radicale (HTTP {status}); check the rights file")
    say(f"Radicale /directory/users/: {len(USERS)} entries")


# ---------------------------------------------------------------------------------- main


def write_seed_info(now, times, folders=None):
    path = os.path.join(DATA, "seed-info.json")
    info = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    info.update({
        "seeded_at": info.get("seeded_at", now.isoformat()),
        "calendars_seeded_at": now.isoformat(),
        "times": times,
        "attachments": {
            "report.pdf": os.path.join(SEED, "report.pdf"),
            "notes.txt": os.path.join(SEED, "notes.txt"),
        },
    })
    if folders is not None:
        info["eas_folders_alice"] = folders
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    say(f"reference times in {path}")


def seed_all():
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    times = seed_times(now)
    for user in USERS:
        seed_mail(user, now, times)
    seed_sogo_calendars(times)
    share_bob_with_alice()
    set_synchronize("alice", "bob_personal")
    # SOGo creates extra mail folders (Templates) the first time a user syncs; let that happen
    # before the CONDSTORE fix, so that it covers every folder that exists after seeding.
    for user in USERS:
        eas_folders(user)
    for user in USERS:
        condstore(user)
    folders = verify_eas_shared_calendar()
    seed_radicale(times)
    write_seed_info(now, times, folders)


def seed_users(users):
    """Seeds users added to USERS after the data folder was first seeded: their mail, the
    folders SOGo creates on the first sync, and the CONDSTORE fix."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    times = seed_times(now)
    for user in users:
        seed_mail(user, now, times)
        eas_folders(user)
        condstore(user)


def seed_calendars():
    """Overwrites the seeded calendar resources with dates relative to now (e.g. to get a
    reminder that is due in a few minutes again). Mail and sharing are left alone."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    times = seed_times(now)
    seed_sogo_calendars(times)
    seed_radicale(times)
    write_seed_info(now, times)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else "all"
    if cmd == "all":
        seed_all()
    elif cmd == "condstore":
        users = argv[2:] or list(USERS)
        for u in users:
            if u not in USERS:
                fail(f"unknown user {u!r} (known: {', '.join(USERS)})")
            condstore(u)
    elif cmd == "users":
        for u in argv[2:]:
            if u not in USERS:
                fail(f"unknown user {u!r} (known: {', '.join(USERS)})")
        seed_users(argv[2:])
    elif cmd == "verify":
        verify_eas_shared_calendar()
        verify_zpush()
    elif cmd == "verify-zpush":
        verify_zpush()
    elif cmd == "calendars":
        seed_calendars()
    elif cmd == "directory":
        seed_directory()
    else:
        fail(f"unknown command {cmd!r}; use all, condstore [USER…], users USER…, verify, "
             "verify-zpush, calendars or directory")


if __name__ == "__main__":
    main(sys.argv)
