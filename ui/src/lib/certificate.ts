// A certificate failure (IpcError.tls) as the window shows it (components/ErrorView.tsx): the
// failed check in a few words, the certificate's fields with dates in the UI's language, and the
// plain text a person copies for the IT department.
import type { IpcError, TlsFailure } from "./bindings";
import type { Lang, Translate } from "./i18n";

/** A certificate time as people of the UI's language write it, in UTC (as certificates are). */
export function certificateDate(seconds: number, lang: Lang): string {
  return new Intl.DateTimeFormat(lang, {
    year: "numeric",
    month: "long",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "UTC",
    timeZoneName: "short",
  }).format(new Date(seconds * 1000));
}

/** The short name of the failed check, e.g. "Expired since 1 January 2026". */
export function problemText(tls: TlsFailure, t: Translate, lang: Lang): string {
  switch (tls.kind) {
    case "expired":
      return tls.notAfter === null
        ? t("tls.problem.expired")
        : t("tls.problem.expiredSince", { date: certificateDate(tls.notAfter, lang) });
    case "not_yet_valid":
      return tls.notBefore === null
        ? t("tls.problem.not_yet_valid")
        : t("tls.problem.notValidBefore", { date: certificateDate(tls.notBefore, lang) });
    case "self_signed":
      return t("tls.problem.self_signed");
    case "unknown_issuer":
      return t("tls.problem.unknown_issuer");
    case "name_mismatch":
      return t("tls.problem.name_mismatch");
    case "revoked":
      return t("tls.problem.revoked");
    case "other":
      return t("tls.problem.other");
  }
}

type RowId = "problem" | "host" | "subject" | "issuer" | "valid-from" | "valid-until" | "names" | "sha256";

/** The rows of the certificate block: id, label and value (also the text copied for IT). */
export function certificateRows(tls: TlsFailure, t: Translate, lang: Lang): [RowId, string, string][] {
  const unknown = t("tls.unknown");
  const when = (s: number | null) => (s === null ? unknown : certificateDate(s, lang));
  return [
    ["problem", t("tls.problem"), problemText(tls, t, lang)],
    ["host", t("tls.host"), tls.host],
    ["subject", t("tls.subject"), tls.subject ?? unknown],
    ["issuer", t("tls.issuer"), tls.issuer ?? unknown],
    ["valid-from", t("tls.validFrom"), when(tls.notBefore)],
    ["valid-until", t("tls.validUntil"), when(tls.notAfter)],
    ["names", t("tls.names"), tls.names.length > 0 ? tls.names.join(", ") : t("tls.noNames")],
    ["sha256", t("tls.sha256"), tls.sha256 ?? unknown],
  ];
}

/** The plain text the "Copy details for IT" button puts on the clipboard. */
export function certificateText(error: IpcError, tls: TlsFailure, t: Translate, lang: Lang): string {
  const lines = [t("tls.copyTitle"), "", error.message, ""];
  for (const [, label, value] of certificateRows(tls, t, lang)) lines.push(`${label}: ${value}`);
  if (error.detail) lines.push("", `${t("error.details")}: ${error.detail}`);
  return lines.join("\n");
}

/** Puts `text` on the clipboard; says whether it worked, never throws. */
export async function copyText(text: string): Promise<boolean> {
  try {
    const clipboard = (navigator as { clipboard?: Clipboard }).clipboard;
    if (clipboard) {
      await clipboard.writeText(text);
      return true;
    }
  } catch {
    // Not allowed here (e.g. no secure context): try the older way below.
  }
  try {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- the fallback where the Clipboard API is missing
    const ok = typeof document.execCommand === "function" && document.execCommand("copy");
    area.remove();
    return ok;
  } catch {
    return false;
  }
}
