#!/usr/bin/python3
"""Writes the safety corpus: test mails that each carry one or more of the cues Kontor must
show (docs/safety.md), and one mail full of active content that must neither run nor fetch.

    python3 tests/corpus/safety/make.py      rewrites the .eml files next to this script

The files are committed; tests/servers/seed.py delivers them to the test user ivan. Remote
references point at 127.0.0.1:55391 (images, styles, frames…) and 127.0.0.1:55392 (tracking
pixels), where the safety E2E test listens and records every connection.

Python standard library only. The output is deterministic (fixed dates, boundaries and zip
timestamps), so a rerun without changes leaves the files as they are.
"""

import base64
import io
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
CRLF = "\r\n"
DOMAIN = "kontor.test"
TO = f'"Ivan Imhof" <ivan@{DOMAIN}>'
LISTEN = "127.0.0.1:55391"
PIXEL = "127.0.0.1:55392"
ZIP_TIME = (2026, 11, 30, 9, 0, 0)


def b64(data):
    enc = base64.b64encode(data).decode()
    return CRLF.join(enc[i:i + 76] for i in range(0, len(enc), 76))


def enc_header(text):
    if all(ord(c) < 128 for c in text):
        return text
    return "=?UTF-8?B?" + base64.b64encode(text.encode()).decode() + "?="


def headers(n, sender, subject, extra=()):
    return [
        f"From: {sender}",
        f"To: {TO}",
        f"Subject: {enc_header(subject)}",
        f"Date: Mon, 30 Nov 2026 {8 + n:02d}:15:00 +0100",
        f"Message-ID: <safety-{n:02d}@corpus.{DOMAIN}>",
        "MIME-Version: 1.0",
        *extra,
    ]


def html_mail(n, sender, subject, html, extra=()):
    h = headers(n, sender, subject, extra) + [
        "Content-Type: text/html; charset=UTF-8",
        "Content-Transfer-Encoding: base64",
    ]
    return CRLF.join(h + ["", b64(html.encode())]) + CRLF


def plain_mail(n, sender, subject, text, extra=()):
    h = headers(n, sender, subject, extra) + [
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: base64",
    ]
    return CRLF.join(h + ["", b64(text.encode())]) + CRLF


def zip_bytes(members, encrypted=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)
    data = bytearray(buf.getvalue())
    if encrypted:
        # Python cannot write encrypted zips; set the "encrypted" bit (general purpose flag
        # bit 0) in every local and central header, which is what a reader looks at.
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            i = data.find(sig)
            while i >= 0:
                data[i + off] |= 1
                i = data.find(sig, i + 4)
    return bytes(data)


def docm():
    """A Word document with a VBA project (the part a macro document carries)."""
    return zip_bytes([
        ("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'),
        ("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Angebot</w:t></w:r></w:p></w:body></w:document>'),
        ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
    ])


def multipart(n, sender, subject, text, attachments, extra=()):
    b = f"safety-boundary-{n:02d}"
    h = headers(n, sender, subject, extra) + [f'Content-Type: multipart/mixed; boundary="{b}"']
    parts = ["This is a multi-part message in MIME format.", f"--{b}",
             "Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: base64", "",
             b64(text.encode())]
    for name, ctype, data in attachments:
        fname = enc_header(name)
        parts += [f"--{b}", f'Content-Type: {ctype}; name="{fname}"',
                  f'Content-Disposition: attachment; filename="{fname}"',
                  "Content-Transfer-Encoding: base64", "", b64(data)]
    parts.append(f"--{b}--")
    return CRLF.join(h + [""] + parts) + CRLF


PUNY_PAYPAL = "pаypal.com".encode("idna").decode()  # Cyrillic а (U+0430)
PUNY_KONTOR = "kоntor.test".encode("idna").decode()  # Cyrillic о (U+043E)

MAILS = {
    "01-name-shows-other-address.eml": html_mail(
        1, '"service@paypal.de" <kundenservice@paypa1-konto.top>',
        "Ihr Konto wurde vorübergehend eingeschränkt",
        "<p>Sehr geehrte Kundin, sehr geehrter Kunde,</p>"
        "<p>bitte bestätigen Sie Ihre Daten innerhalb von 24 Stunden:</p>"
        '<p><a href="https://paypa1-konto.top/login?id=77">https://www.paypal.de/login</a></p>'
        '<p>Oder hier: <a href="http://192.168.10.5/konto">Kundenkonto öffnen</a></p>'
        f'<p>Alternativ: <a href="https://{PUNY_PAYPAL}/de/signin">paypal.com</a></p>'
        '<p><a href="https://www.paypal.de/hilfe">Hilfe</a></p>'),
    "02-colleague-name-external.eml": plain_mail(
        2, '"Bob Baker" <bob.baker.kontor@gmail.com>', "Kurze Bitte – Überweisung heute noch",
        "Hallo Ivan,\n\nkannst du heute noch 9.800 € an unseren neuen Lieferanten überweisen? "
        "Ich bin im Termin und nur per Mail erreichbar.\n\nBob\n"),
    "03-reply-to-other-domain.eml": plain_mail(
        3, '"Stadtwerke Köln" <rechnung@stadtwerke-koeln.de>', "Ihre Jahresabrechnung 2026",
        "Guten Tag,\n\nanbei Ihre Jahresabrechnung. Bei Fragen antworten Sie einfach auf diese "
        "Mail.\n\nIhre Stadtwerke\n",
        extra=["Reply-To: <zahlung@stadtwerke-rechnung.top>"]),
    "04-lookalike-digit.eml": plain_mail(
        4, '"IT-Service" <helpdesk@k0ntor.test>', "Passwort läuft heute ab",
        "Ihr Passwort läuft heute ab. Melden Sie sich an, um es zu behalten.\n"),
    "05-lookalike-cyrillic.eml": plain_mail(
        5, f'"Buchhaltung" <buchhaltung@{PUNY_KONTOR}>', "Offene Rechnung",
        "Bitte begleichen Sie die offene Rechnung im Anhang bis Freitag.\n"),
    "06-dangerous-attachments.eml": multipart(
        6, '"Lieferant Meyer" <info@meyer-logistik.example>', "Rechnung und Unterlagen",
        "Guten Tag,\n\nanbei Rechnung, Lieferschein und Angebot.\n\nMeyer Logistik\n", [
            ("Rechnung.pdf.exe", "application/octet-stream", b"MZ\x90\x00" + b"\0" * 60),
            ("Lieferschein.js", "application/javascript", b"WScript.Echo('x');\n"),
            ("Angebot.docm", "application/vnd.ms-word.document.macroEnabled.12", docm()),
            ("Unterlagen.zip", "application/zip", zip_bytes([
                ("scan_0042.js", "WScript.Echo('x');\n"), ("Vertrag.docm", docm()),
                ("Hinweise.txt", "Bitte lesen.\n")])),
            ("Geschützt.zip", "application/zip",
             zip_bytes([("Rechnung.pdf", b"%PDF-1.4\n")], encrypted=True)),
            ("Preisliste.pdf", "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        ]),
    "07-active-content.eml": html_mail(
        7, '"Aktionen" <aktion@angebote.example>', "Active content test",
        f"""<html><head>
<base href="http://{LISTEN}/base/">
<meta http-equiv="refresh" content="0;url=http://{LISTEN}/meta-refresh">
<link rel="stylesheet" href="http://{LISTEN}/link-stylesheet.css">
<style>@import url("http://{LISTEN}/css-import.css");
body {{ background-image: url("http://{LISTEN}/css-url.png"); }}</style>
<script>fetch("http://{LISTEN}/script-fetch"); document.title = "SCRIPT RAN";</script>
</head><body>
<p id="marker">Active content test</p>
<img src="http://{LISTEN}/img.png" alt="remote image">
<img src="x" onerror="fetch('http://{LISTEN}/onerror')">
<p onmouseover="fetch('http://{LISTEN}/onmouseover')">Hover me</p>
<a href="javascript:fetch('http://{LISTEN}/javascript-link')">javascript link</a>
<a href="data:text/html,<script>fetch('http://{LISTEN}/data-link')</script>">data link</a>
<a href="file:///etc/passwd">file link</a>
<a href="vbscript:msgbox(1)">vbscript link</a>
<iframe src="http://{LISTEN}/iframe"></iframe>
<object data="http://{LISTEN}/object"></object>
<embed src="http://{LISTEN}/embed">
<form action="http://{LISTEN}/form" method="post"><input name="q" value="x"><button>Send</button></form>
<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("http://{LISTEN}/svg-script")</script>
<image href="http://{LISTEN}/svg-image.png" width="10" height="10"/></svg>
<video src="http://{LISTEN}/video.mp4" poster="http://{LISTEN}/poster.png"></video>
<div style="background:url(http://{LISTEN}/inline-style.png)">styled</div>
<img srcset="http://{LISTEN}/srcset.png 2x" alt="srcset">
</body></html>"""),
    "08-newsletter-remote-images.eml": html_mail(
        8, '"Büro-Welt Newsletter" <newsletter@news.bueroweltshop.example>',
        "Neu im Dezember: Ordner und Papier",
        f'<h1>Neu im Dezember</h1><p><img src="https://{LISTEN}/newsletter/banner.png" '
        f'alt="Banner" width="600" height="200"></p><p>Ordner, Papier und mehr.</p>'
        f'<img src="https://{PIXEL}/open.gif?u=ivan" width="1" height="1" alt="">'
        f'<img src="https://{PIXEL}/open2.gif?u=ivan" style="width:1px;height:1px" alt="">'),
}


def main():
    for name, text in MAILS.items():
        assert "\n" not in text.replace("\r\n", ""), f"bare LF in {name}"
        with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    print(f"wrote {len(MAILS)} mails to {HERE}")


if __name__ == "__main__":
    main()
