// The safety cues' texts (docs/safety.md): what the core found, said in the user's language.
import type { AttachmentReason, BlockedReason, LinkWarning, SenderCue } from "../lib/bindings";
import type { Translate } from "../lib/i18n";

/** True when `addr`'s domain is none of `own` (nor a subdomain of one). Unknown own domains
 * (not yet told by the server) tag nothing. */
export function isExternal(addr: string, own: readonly string[]): boolean {
  if (own.length === 0) return false;
  const at = addr.lastIndexOf("@");
  if (at < 0) return true;
  const host = addr.slice(at + 1).toLowerCase().replace(/\.$/, "");
  return !own.some((d) => host === d || host.endsWith(`.${d}`));
}

export function senderCueText(cue: SenderCue, t: Translate): string {
  if (typeof cue !== "object") return "";
  const named = "nameContainsOtherAddress" in cue ? cue.nameContainsOtherAddress : undefined;
  if (named) return t("mail.safety.nameContainsOtherAddress", { ...named });
  const colleague = "colleagueNameExternalAddress" in cue ? cue.colleagueNameExternalAddress : undefined;
  if (colleague) return t("mail.safety.colleagueNameExternalAddress", { ...colleague });
  const reply = "replyToOtherDomain" in cue ? cue.replyToOtherDomain : undefined;
  if (reply) return t("mail.safety.replyToOtherDomain", { replyTo: reply.replyToDomain, from: reply.fromDomain });
  const l = "lookAlikeDomain" in cue ? cue.lookAlikeDomain : undefined;
  if (l) {
    const domain = l.punycode && l.unicode ? `${l.unicode} (${l.punycode})` : l.domain;
    if (l.similarTo === null) return t("mail.safety.mixedScript", { domain });
    return t("mail.safety.lookAlike", { domain, similar: l.similarTo, how: t(`mail.safety.how.${l.reason}`) });
  }
  const p = "punycode" in cue ? cue.punycode : undefined;
  return p ? t("mail.safety.punycode", { ...p }) : "";
}

export function linkWarningText(w: LinkWarning, t: Translate): string {
  if (w === "ipAddress") return t("mail.link.warn.ipAddress");
  const other = "textShowsOtherDomain" in w ? w.textShowsOtherDomain : undefined;
  if (other) return t("mail.link.warn.textShowsOtherDomain", { ...other });
  const p = "punycode" in w ? w.punycode : undefined;
  return p ? t("mail.link.warn.punycode", { ...p }) : "";
}

export function blockedLinkText(why: BlockedReason, t: Translate): string {
  const reason = typeof why === "string" ? t(`mail.link.blocked.${why}`) : t("mail.link.blocked.otherScheme", { scheme: why.otherScheme });
  return t("mail.link.blocked", { why: reason });
}

export function attachmentReasonText(r: AttachmentReason, t: Translate): string {
  if (typeof r === "string") return t(`mail.att.why.${r}`);
  const exe = "executable" in r ? r.executable : undefined;
  if (exe) return t("mail.att.why.executable", { ...exe });
  const dbl = "doubleExtension" in r ? r.doubleExtension : undefined;
  if (dbl) return t("mail.att.why.doubleExtension", { ...dbl });
  const dir = "directionOverride" in r ? r.directionOverride : undefined;
  if (dir) return t("mail.att.why.directionOverride", { ...dir });
  const macro = "macroOffice" in r ? r.macroOffice : undefined;
  if (macro) return t("mail.att.why.macroOffice", { ...macro });
  const arch = "archiveContains" in r ? r.archiveContains : undefined;
  return arch ? t("mail.att.why.archiveContains", { entries: arch.entries.join(", ") }) : "";
}
