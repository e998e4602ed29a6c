import type { IpcError } from "../lib/bindings";
import { useI18n } from "../lib/i18n-context";

interface Props {
  error: IpcError;
  heading?: string;
}

/** An error from the core: the localized message up front, the technical detail folded away. */
export function ErrorView({ error, heading }: Props) {
  const { t } = useI18n();
  return (
    <div className="error" role="alert" data-testid="error" data-code={error.code}>
      {heading && <strong className="error-heading">{heading}</strong>}
      <p className="error-message" data-testid="error-message">
        {error.message || t("error.unexpected")}
      </p>
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
