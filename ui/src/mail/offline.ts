import type { MessageKey } from "../lib/i18n";

/** The choices of "Mail kept offline", in months (0 = all mail), as the core and the policy
 * `MailSyncWindow` take them, in the order shown. */
export const OFFLINE_CHOICES = [0, 12, 6, 3, 1] as const;

/** The text of one choice. */
export function offlineLabel(months: number): MessageKey {
  switch (months) {
    case 12:
      return "mail.offline.months12";
    case 6:
      return "mail.offline.months6";
    case 3:
      return "mail.offline.months3";
    case 1:
      return "mail.offline.months1";
    default:
      return "mail.offline.all";
  }
}
