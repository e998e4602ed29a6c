import { useState } from "react";
import type { IpcError, TlsFailure } from "../lib/bindings";
import { certificateRows, certificateText, copyText } from "../lib/certificate";
import { useI18n } from "../lib/i18n-context";

interface Props {
  error: IpcError;
  heading?: string;
}

/** An error from the core: the localized message up front, the technical detail folded away.
 * A certificate failure adds the certificate itself (subject, issuer, validity, names,
 * fingerprint) and a button that copies all of it for the IT department. There is deliberately
 * no way to accept the certificate from here: only IT fixes it (a trusted certificate, the
 * company CA on this PC, or the TrustedCertificateFingerprints policy). */
export function ErrorView({ error, heading }: Props) {
  const { t } = useI18n();
  return (
    <div className="error" role="alert" data-testid="error" data-code={error.code} data-tls={error.tls?.kind}>
      {heading && <strong className="error-heading">{heading}</strong>}
      <p className="error-message" data-testid="error-message">
        {error.message || t("error.unexpected")}
      </p>
      {error.tls && <CertificateBlock error={error} tls={error.tls} />}
      <details className="error-details">
        <summary>{t("error.details")}</summary>
        <p className="error-code">{t("error.code", { code: error.code })}</p>
        {error.detail && (
          <pre className="error-detail" data-testid="error-detail">
            {error.detail}
          </pre>
        )}
      </details>
    </div>
  );
}

function CertificateBlock({ error, tls }: { error: IpcError; tls: TlsFailure }) {
  const { t, lang } = useI18n();
  const [copied, setCopied] = useState(false);
  const rows = certificateRows(tls, t, lang);
  return (
    <section className="tls-certificate" data-testid="tls-certificate" data-kind={tls.kind} aria-label={t("tls.heading")}>
      <h3 className="tls-heading">{t("tls.heading")}</h3>
      <dl className="tls-fields">
        {rows.map(([id, label, value]) => (
          <div key={id} className="tls-field">
            <dt>{label}</dt>
            <dd className={id === "sha256" ? "tls-fingerprint" : undefined} data-testid={`tls-${id}`}>
              {id === "sha256" ? <Breakable text={value} /> : value}
            </dd>
          </div>
        ))}
      </dl>
      <div className="tls-actions">
        <button
          type="button"
          data-testid="tls-copy"
          onClick={() => {
            void copyText(certificateText(error, tls, t, lang)).then(setCopied);
          }}
        >
          {t("tls.copy")}
        </button>
        {copied && (
          <span className="muted" role="status" data-testid="tls-copied">
            {t("tls.copied")}
          </span>
        )}
      </div>
    </section>
  );
}

/** A fingerprint that wraps only between its bytes (`AB:<wbr>CD:<wbr>…`). */
function Breakable({ text }: { text: string }) {
  const parts = text.split(":");
  return (
    <>
      {parts.map((part, i) => (
        <span key={i}>
          {part}
          {i < parts.length - 1 && (
            <>
              :<wbr />
            </>
          )}
        </span>
      ))}
    </>
  );
}
