// A date or time typed as text and shown in the UI's language (dates.ts), so a German window
// writes "08.12.2026" whatever the system's locale. The value is ISO ("2026-12-08") or "HH:MM";
// while the text cannot be read, the value is "" and the dialog says so on Save.
import { useState, type InputHTMLAttributes } from "react";
import { useI18n } from "../lib/i18n-context";
import { datePattern, formatDate, parseDate, parseTime } from "./dates";

type Rest = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "type">;

function TextField({
  value,
  onValue,
  parse,
  format,
  placeholder,
  ...rest
}: Rest & { value: string; onValue: (v: string) => void; parse: (s: string) => string | null; format: (v: string) => string }) {
  const [text, setText] = useState(() => format(value));
  const [seen, setSeen] = useState(value);
  // A value set from outside (the end date following the start): show it.
  if (value !== seen) {
    setSeen(value);
    if ((parse(text) ?? "") !== value) setText(format(value));
  }
  return (
    <input
      {...rest}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      placeholder={placeholder}
      value={text}
      aria-invalid={parse(text) === null}
      onChange={(e) => {
        setText(e.target.value);
        onValue(parse(e.target.value) ?? "");
      }}
      onBlur={() => {
        const v = parse(text);
        if (v !== null) setText(format(v));
      }}
    />
  );
}

export function DateField(props: Rest & { value: string; onValue: (iso: string) => void }) {
  const { lang } = useI18n();
  return (
    <TextField
      {...props}
      className={`date-field ${props.className ?? ""}`}
      parse={(s) => parseDate(s)}
      format={(v) => formatDate(v, lang)}
      placeholder={datePattern(lang)}
    />
  );
}

export function TimeField(props: Rest & { value: string; onValue: (hhmm: string) => void }) {
  return <TextField {...props} className={`time-field ${props.className ?? ""}`} parse={parseTime} format={(v) => v} placeholder="hh:mm" />;
}
