// A small typed message catalog. English is the reference: its keys define `MessageKey`, and the
// German table is typed `Record<MessageKey, string>`, so a missing or extra key fails the build.
// Placeholders are `{name}` and are filled by `t(key, { name: value })`.

export const LANGS = ["en", "de"] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  "app.title": "Kontor",
  "lang.label": "Language",
  "lang.en": "English",
  "lang.de": "Deutsch",
  "account.heading": "Add your account",
  "account.intro": "Kontor connects to your groupware server over Exchange ActiveSync.",
  "account.serverUrl": "Server address",
  "account.serverUrl.locked": "Set by your IT department.",
  "account.user": "User name",
  "account.password": "Password",
  "account.submit": "Sign in",
  "account.busy": "Signing in…",
  "account.email": "E-mail address",
  "account.advanced": "Advanced",
  "account.server.hint": "Only if Kontor does not find it: a server name such as mail.example.com, or the full ActiveSync address.",
  "account.user.hint": "Leave empty to sign in with your e-mail address.",
  "account.missing": "Please enter your e-mail address and password.",
  "account.step.finding_server": "Searching for your server…",
  "account.step.checking_password": "Checking the password…",
  "account.step.reading_folders": "Reading the folders…",
  "error.heading": "Could not sign in",
  "error.details": "Technical details",
  "error.code": "Error code: {code}",
  "main.loading": "Loading…",
  "main.menu": "Menu",
  "main.refresh": "Refresh",
  "main.refreshing": "Refreshing…",
  "main.signOut": "Sign out",
  "main.signedInAs": "{user} on {server}",
  "main.noFolders": "No folders yet.",
  "main.refreshFailed": "Refresh failed",
  "tree.label": "Folders",
  "tree.mail": "Mail",
  "tree.calendars": "Calendars",
  "tree.contacts": "Contacts",
  "tree.tasks": "Tasks",
  "tree.notes": "Notes",
  "tree.other": "Other",
  "tree.unread": "{count} unread",
  "tree.shared": "shared",
  "reminders.windowTitle": "Reminders",
  "reminders.none": "No active reminders.",
  "reminders.dismiss": "Dismiss",
  "reminders.dismissAll": "Dismiss all",
  "reminders.snooze": "Snooze",
  "reminders.snoozeFor": "Snooze for",
  "reminders.open": "Open",
  "reminders.missed": "missed",
  "reminders.snoozed": "snoozed",
  "reminders.withdrawn": "cancelled or moved",
  "reminders.allDay": "all day",
  "reminders.task": "task",
  "reminders.alarmAt": "Reminder {time}",
  "reminders.startsAt": "Starts {time}",
  "reminders.calendar": "Calendar: {name}",
  "reminders.location": "Location: {location}",
  "reminders.countOne": "1 active reminder",
  "reminders.countMany": "{count} active reminders",
  "reminders.listHeading": "Active reminders",
  "reminders.opened": "Opened from a reminder",
  "reminders.failed": "The reminder could not be changed",
  "snooze.five_minutes": "5 minutes",
  "snooze.ten_minutes": "10 minutes",
  "snooze.fifteen_minutes": "15 minutes",
  "snooze.thirty_minutes": "30 minutes",
  "snooze.one_hour": "1 hour",
  "snooze.five_minutes_before_start": "5 minutes before start",
  "status.label": "Sync status",
  "status.online": "Online",
  "status.offline": "Offline",
  "status.syncing": "Syncing…",
  "status.syncingFolder": "Syncing {folder}…",
  "status.syncingFolderDone": "Syncing {folder} ({done})…",
  "status.syncingFolderCount": "Syncing {folder} ({done} of {total})…",
  "folder.inbox": "Inbox",
  "folder.drafts": "Drafts",
  "folder.sent": "Sent Items",
  "folder.deleted": "Deleted Items",
  "folder.junk": "Junk Email",
  "folder.archive": "Archive",
  "folder.outbox": "Outbox",
  "status.lastSync": "Last synced {time}",
  "status.unsentOne": "1 change waiting",
  "status.unsentMany": "{count} changes waiting",
  "status.retry": "Retry now",
  "main.settings": "Settings",
  "main.reminders": "Reminders",
  "settings.heading": "Settings",
  "settings.reminderWindow": "Reminder window",
  "settings.autohide": "Hide the reminder window automatically",
  "settings.autohideSeconds": "Hide after (seconds)",
  "settings.autohideOffNote": "When off, the window stays until every reminder is dismissed or snoozed.",
  "settings.locked": "Set by your IT department (policy): read-only.",
  "settings.save": "Save",
  "settings.saved": "Saved.",
  "settings.close": "Close",
  "settings.calendars": "Remind me for",
  "settings.noCalendars": "No calendars yet.",
  "settings.failed": "The settings could not be saved",
} as const;

export type MessageKey = keyof typeof en;

const de: Record<MessageKey, string> = {
  "app.title": "Kontor",
  "lang.label": "Sprache",
  "lang.en": "English",
  "lang.de": "Deutsch",
  "account.heading": "Konto hinzufügen",
  "account.intro": "Kontor verbindet sich über Exchange ActiveSync mit Ihrem Groupware-Server.",
  "account.serverUrl": "Serveradresse",
  "account.serverUrl.locked": "Von Ihrer IT-Abteilung festgelegt.",
  "account.user": "Benutzername",
  "account.password": "Kennwort",
  "account.submit": "Anmelden",
  "account.busy": "Anmeldung läuft…",
  "account.email": "E-Mail-Adresse",
  "account.advanced": "Erweitert",
  "account.server.hint": "Nur falls Kontor ihn nicht findet: ein Servername wie mail.example.com oder die vollständige ActiveSync-Adresse.",
  "account.user.hint": "Leer lassen, um sich mit der E-Mail-Adresse anzumelden.",
  "account.missing": "Bitte E-Mail-Adresse und Kennwort eingeben.",
  "account.step.finding_server": "Server wird gesucht…",
  "account.step.checking_password": "Kennwort wird geprüft…",
  "account.step.reading_folders": "Ordner werden gelesen…",
  "error.heading": "Anmeldung nicht möglich",
  "error.details": "Technische Details",
  "error.code": "Fehlercode: {code}",
  "main.loading": "Wird geladen…",
  "main.menu": "Menü",
  "main.refresh": "Aktualisieren",
  "main.refreshing": "Wird aktualisiert…",
  "main.signOut": "Abmelden",
  "main.signedInAs": "{user} auf {server}",
  "main.noFolders": "Noch keine Ordner.",
  "main.refreshFailed": "Aktualisierung fehlgeschlagen",
  "tree.label": "Ordner",
  "tree.mail": "E-Mail",
  "tree.calendars": "Kalender",
  "tree.contacts": "Kontakte",
  "tree.tasks": "Aufgaben",
  "tree.notes": "Notizen",
  "tree.other": "Sonstige",
  "tree.unread": "{count} ungelesen",
  "tree.shared": "freigegeben",
  "reminders.windowTitle": "Erinnerungen",
  "reminders.none": "Keine aktiven Erinnerungen.",
  "reminders.dismiss": "Schließen",
  "reminders.dismissAll": "Alle schließen",
  "reminders.snooze": "Erneut erinnern",
  "reminders.snoozeFor": "Erneut erinnern in",
  "reminders.open": "Öffnen",
  "reminders.missed": "verpasst",
  "reminders.snoozed": "zurückgestellt",
  "reminders.withdrawn": "abgesagt oder verschoben",
  "reminders.allDay": "ganztägig",
  "reminders.task": "Aufgabe",
  "reminders.alarmAt": "Erinnerung {time}",
  "reminders.startsAt": "Beginn {time}",
  "reminders.calendar": "Kalender: {name}",
  "reminders.location": "Ort: {location}",
  "reminders.countOne": "1 aktive Erinnerung",
  "reminders.countMany": "{count} aktive Erinnerungen",
  "reminders.listHeading": "Aktive Erinnerungen",
  "reminders.opened": "Aus einer Erinnerung geöffnet",
  "reminders.failed": "Die Erinnerung konnte nicht geändert werden",
  "snooze.five_minutes": "5 Minuten",
  "snooze.ten_minutes": "10 Minuten",
  "snooze.fifteen_minutes": "15 Minuten",
  "snooze.thirty_minutes": "30 Minuten",
  "snooze.one_hour": "1 Stunde",
  "snooze.five_minutes_before_start": "5 Minuten vor Beginn",
  "main.settings": "Einstellungen",
  "main.reminders": "Erinnerungen",
  "settings.heading": "Einstellungen",
  "settings.reminderWindow": "Erinnerungsfenster",
  "settings.autohide": "Erinnerungsfenster automatisch ausblenden",
  "settings.autohideSeconds": "Ausblenden nach (Sekunden)",
  "settings.autohideOffNote": "Wenn aus, bleibt das Fenster, bis jede Erinnerung geschlossen oder zurückgestellt ist.",
  "settings.locked": "Von Ihrer IT-Abteilung festgelegt (Richtlinie): schreibgeschützt.",
  "settings.save": "Speichern",
  "settings.saved": "Gespeichert.",
  "settings.close": "Schließen",
  "status.label": "Synchronisierungsstatus",
  "status.online": "Online",
  "status.offline": "Offline",
  "status.syncing": "Synchronisiere …",
  "status.syncingFolder": "Synchronisiere {folder} …",
  "status.syncingFolderDone": "Synchronisiere {folder} ({done}) …",
  "status.syncingFolderCount": "Synchronisiere {folder} ({done} von {total}) …",
  "folder.inbox": "Posteingang",
  "folder.drafts": "Entwürfe",
  "folder.sent": "Gesendete Elemente",
  "folder.deleted": "Gelöschte Elemente",
  "folder.junk": "Junk-E-Mail",
  "folder.archive": "Archiv",
  "folder.outbox": "Postausgang",
  "status.lastSync": "Zuletzt synchronisiert {time}",
  "status.unsentOne": "1 Änderung wartet",
  "status.unsentMany": "{count} Änderungen warten",
  "status.retry": "Jetzt erneut versuchen",
  "settings.calendars": "Erinnern für",
  "settings.noCalendars": "Noch keine Kalender.",
  "settings.failed": "Die Einstellungen konnten nicht gespeichert werden",
};

export const CATALOG: Record<Lang, Record<MessageKey, string>> = { en, de };

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** Picks the UI language from a BCP 47 tag such as `de-AT`; anything not German is English. */
export function langFromTag(tag: string | undefined | null): Lang {
  const primary = (tag ?? "").toLowerCase().split(/[-_]/)[0];
  return primary === "de" ? "de" : "en";
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const table = CATALOG[lang];
  return (key, vars) => {
    const text = table[key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      return value === undefined ? whole : String(value);
    });
  };
}

const STORAGE_KEY = "kontor.lang";

/** The language chosen by hand earlier, else the system's (navigator.language). */
export function initialLang(): Lang {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLang(stored)) return stored;
  } catch {
    // Storage may be unavailable; fall back to the system language.
  }
  return langFromTag(navigator.language);
}

export function rememberLang(lang: Lang): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not fatal: the choice just isn't remembered.
  }
}
