#!/usr/bin/python3
"""Writes Kontor's test configuration into an extracted Z-Push source tree.

    configure.py SRC KEY=VALUE...

SRC is the extracted src/ folder (in the servers' data folder, never in the repository). The
keys (all required) come from tests/servers/start: data, imap_port, smtp_port, caldav_port,
carddav_port, domain, loglevel. Each setting replaces one define() of Z-Push's shipped config files, so the
rest of them stays as upstream has it; a define that is not found exactly once is an error (a
new Z-Push version must be looked at, not half configured). Files are rewritten only when their
content changes, so running it again is harmless. Python standard library only.
"""

import os
import re
import sys


def php_str(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def set_defines(path, values):
    """values: NAME -> PHP expression (already a literal). Returns the new file text."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for name, expr in values.items():
        # One active (not commented-out) define per name, on one line.
        pattern = re.compile(r"^([ \t]*)define\(\s*['\"]" + re.escape(name) + r"['\"]\s*,.*\);[ \t]*$",
                             re.MULTILINE)
        found = pattern.findall(text)
        if len(found) != 1:
            sys.exit(f"configure.py: {path}: define('{name}', …) found {len(found)} times, expected once")
        text = pattern.sub(lambda m: f"{m.group(1)}define('{name}', {expr});", text)
    return text


def set_line(text, path, pattern, line):
    """Replaces the one line matching pattern (anchored at the line's start) with line."""
    regex = re.compile("^" + pattern + "$", re.MULTILINE)
    found = regex.findall(text)
    if len(found) != 1:
        sys.exit(f"configure.py: {path}: {pattern!r} found {len(found)} times, expected once")
    return regex.sub(lambda m: line, text)


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    tmp = path + ".kontor-tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    print(f"configure.py: wrote {path}")
    return True


# The combined backend: mail from Dovecot over IMAP ("i"), contacts and the company directory
# (GAL search) from Radicale over CardDAV ("d"), every other folder type (calendars, tasks;
# notes have no backend here) from SOGo over CalDAV ("c"). Folder ids carry the letter:
# i/<hash>, c/Cpersonal, c/Tpersonal, d/<address book>. SOGo's own directory cannot serve:
# its CardDAV source folders answer no addressbook-query (SOGo 5.8), which is how Z-Push's
# CardDAV backend searches.
COMBINED = """<?php
// Written by Kontor's tests/servers/zpush/configure.py: mail from IMAP, the rest from CalDAV.
class BackendCombinedConfig {
    public static function GetBackendCombinedConfig() {
        return array(
            // Login succeeds only when every backend accepts it.
            'backends' => array(
                'i' => array('name' => 'BackendIMAP'),
                'c' => array('name' => 'BackendCalDAV'),
                'd' => array('name' => 'BackendCardDAV'),
            ),
            'delimiter' => '/',
            'folderbackend' => array(
                SYNC_FOLDER_TYPE_INBOX => 'i',
                SYNC_FOLDER_TYPE_DRAFTS => 'i',
                SYNC_FOLDER_TYPE_WASTEBASKET => 'i',
                SYNC_FOLDER_TYPE_SENTMAIL => 'i',
                SYNC_FOLDER_TYPE_OUTBOX => 'i',
                SYNC_FOLDER_TYPE_OTHER => 'i',
                SYNC_FOLDER_TYPE_USER_MAIL => 'i',
                SYNC_FOLDER_TYPE_TASK => 'c',
                SYNC_FOLDER_TYPE_APPOINTMENT => 'c',
                SYNC_FOLDER_TYPE_CONTACT => 'd',
                SYNC_FOLDER_TYPE_NOTE => 'c',
                SYNC_FOLDER_TYPE_JOURNAL => 'c',
                SYNC_FOLDER_TYPE_USER_APPOINTMENT => 'c',
                SYNC_FOLDER_TYPE_USER_CONTACT => 'd',
                SYNC_FOLDER_TYPE_USER_TASK => 'c',
                SYNC_FOLDER_TYPE_USER_JOURNAL => 'c',
                SYNC_FOLDER_TYPE_USER_NOTE => 'c',
                SYNC_FOLDER_TYPE_UNKNOWN => 'c',
            ),
            // A folder created at the top level is a mail folder.
            'rootcreatefolderbackend' => 'i',
        );
    }
}
"""


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    src = os.path.abspath(argv[1])
    opts = dict(a.split("=", 1) for a in argv[2:])
    need = {"data", "imap_port", "smtp_port", "caldav_port", "carddav_port", "domain", "loglevel"}
    if set(opts) != need:
        sys.exit(f"configure.py: need exactly {sorted(need)}, got {sorted(opts)}")
    data = opts["data"].rstrip("/")

    path = os.path.join(src, "config.php")
    write_if_changed(path, set_defines(path, {
        "TIMEZONE": php_str("UTC"),
        "BASE_PATH": php_str(src + "/"),
        "STATE_MACHINE": php_str("FILE"),
        "STATE_DIR": php_str(data + "/zpush/state/"),
        "LOGBACKEND": php_str("filelog"),
        "LOGFILEDIR": php_str(data + "/logs/zpush/"),
        "LOGLEVEL": opts["loglevel"],
        # Enforced provisioning, like a production Z-Push: HTTP 449 until the device went
        # through the two-phase Provision and sends the final policy key.
        "PROVISIONING": "true",
        "LOOSE_PROVISIONING": "false",
        # Short, so that tests of Ping do not wait long.
        "PING_INTERVAL": "10",
        "BACKEND_PROVIDER": php_str("BackendCombined"),
        # Logins are user names ("carol", or "carol@kontor.test" cut to "carol"), and the
        # user's address is the name with IMAP_DEFAULTFROM's domain: what Settings
        # UserInformation reports (carol@kontor.test), as a production server reports the
        # user's real address. With the default (true) it reported the bare login "carol", and
        # the client could not tell the user among an invitation's attendees.
        "USE_FULLEMAIL_FOR_LOGIN": "false",
    }))

    path = os.path.join(src, "backend", "imap", "config.php")
    text = set_defines(path, {
        "IMAP_SERVER": php_str("127.0.0.1"),
        "IMAP_PORT": opts["imap_port"],
        "IMAP_OPTIONS": php_str("/notls/norsh"),
        "IMAP_FOLDER_CONFIGURED": "true",
        "IMAP_FOLDER_PREFIX": php_str(""),
        "IMAP_FOLDER_PREFIX_IN_INBOX": "false",
        # The test Dovecot's special-use mailboxes (tests/servers/start, write_dovecot_conf).
        "IMAP_FOLDER_INBOX": php_str("INBOX"),
        "IMAP_FOLDER_SENT": php_str("Sent"),
        "IMAP_FOLDER_DRAFT": php_str("Drafts"),
        "IMAP_FOLDER_TRASH": php_str("Trash"),
        "IMAP_FOLDER_SPAM": php_str("Junk"),
        "IMAP_FOLDER_ARCHIVE": php_str("Archive"),
        # From: <login>@<domain> for mail sent by a device.
        "IMAP_DEFAULTFROM": php_str("@" + opts["domain"]),
        "IMAP_SMTP_METHOD": php_str("smtp"),
    })
    # The test Postfix, without authentication (it relays for 127.0.0.0/8).
    text = set_line(
        text, path, r"\$imap_smtp_params = array\(.*\);",
        f"$imap_smtp_params = array('host' => '127.0.0.1', 'port' => {int(opts['smtp_port'])}, "
        f"'auth' => false, 'localhost' => 'zpush.{opts['domain']}');")
    write_if_changed(path, text)

    path = os.path.join(src, "backend", "caldav", "config.php")
    write_if_changed(path, set_defines(path, {
        "CALDAV_PROTOCOL": php_str("http"),
        "CALDAV_SERVER": php_str("127.0.0.1"),
        "CALDAV_PORT": php_str(opts["caldav_port"]),
        # The user's calendar home on SOGo; its calendars become folders, "personal" the default.
        "CALDAV_PATH": php_str("/SOGo/dav/%u/Calendar/"),
        "CALDAV_PERSONAL": php_str("personal"),
        "CALDAV_SUPPORTS_SYNC": "false",
    }))

    path = os.path.join(src, "backend", "carddav", "config.php")
    write_if_changed(path, set_defines(path, {
        "CARDDAV_PROTOCOL": php_str("http"),
        "CARDDAV_SERVER": php_str("127.0.0.1"),
        "CARDDAV_PORT": php_str(opts["carddav_port"]),
        # Radicale: the user's principal collection, and in it the address book "contacts"
        # (tests/servers/seed.py directory creates both).
        "CARDDAV_PATH": php_str("/%u/"),
        "CARDDAV_DEFAULT_PATH": php_str("/%u/contacts/"),
        # The company directory: an address book every user may read, searched, not synced.
        "CARDDAV_GAL_PATH": php_str("/directory/users/"),
        # Kontor asks the directory from three characters on, as Outlook does.
        "CARDDAV_GAL_MIN_LENGTH": "3",
        "CARDDAV_SUPPORTS_SYNC": "false",
        # Search the full name (FN), as people look colleagues up. Without it Z-Push asks for
        # sn/givenname/email, which Radicale matches on the address only.
        "CARDDAV_SUPPORTS_FN_SEARCH": "true",
        "CARDDAV_URL_VCARD_EXTENSION": php_str(".vcf"),
    }))

    write_if_changed(os.path.join(src, "backend", "combined", "config.php"), COMBINED)

    # The device policy: attachments of at most 10 MiB, as a company's IT sets it, so the
    # client's reading of MaxAttachmentSize (Provision) is tested on a real answer. Upstream
    # ships '-1', which Z-Push sends as an empty element: no limit.
    path = os.path.join(src, "policies.ini")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = set_line(text, path, r"maxattsize = .*", "maxattsize = 10485760")
    write_if_changed(path, text)


if __name__ == "__main__":
    main(sys.argv)
