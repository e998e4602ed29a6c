// Small line icons drawn inline: the target systems may have no emoji font.

const common = {
  width: 14,
  height: 14,
  viewBox: "0 0 16 16",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.5,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
  "aria-hidden": true,
  focusable: false,
};

export function PaperclipIcon() {
  return (
    <svg {...common}>
      <path d="M10.5 4.5 5.2 9.8a1.5 1.5 0 0 0 2.1 2.1l5.6-5.6a3 3 0 0 0-4.2-4.2L3 7.8a4.5 4.5 0 0 0 6.4 6.4l4.1-4.1" />
    </svg>
  );
}

export function FileIcon({ kind }: { kind: "image" | "pdf" | "other" }) {
  return (
    <svg {...common} width={18} height={18}>
      <path d="M4 1.5h5.5L13 5v9.5H4z" />
      <path d="M9.5 1.5V5H13" />
      {kind === "image" && <path d="m5.5 12.5 2-2.5 1.5 1.5 1-1 1.5 2z" />}
      {kind === "pdf" && <path d="M6 9h5M6 11h5M6 7h2" />}
    </svg>
  );
}

export function LockIcon() {
  return (
    <svg {...common} width={12} height={12}>
      <rect x="3" y="7" width="10" height="7.5" rx="1" />
      <path d="M5.5 7V5a2.5 2.5 0 0 1 5 0v2" />
    </svg>
  );
}

export function BellIcon({ off = false }: { off?: boolean }) {
  return (
    <svg {...common}>
      <path d="M4 11.5V7.5a4 4 0 0 1 8 0v4l1.2 1.2H2.8z" />
      <path d="M6.5 14a1.6 1.6 0 0 0 3 0" />
      {off && <path d="M2 2l12 12" />}
    </svg>
  );
}
