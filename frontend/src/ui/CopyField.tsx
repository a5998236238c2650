// A value to hand on (a link, an embed snippet): read-only text and a Copy
// button. Where the clipboard is refused, the text is selected instead so
// Ctrl+C takes it; either way the button says what happened.
import { useId, useRef, useState } from 'react';

export function CopyField({ label, value, multiline = false }: { label: string; value: string; multiline?: boolean }) {
  const id = useId();
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [said, setSaid] = useState<string | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setSaid('Copied');
    } catch {
      ref.current?.select();
      setSaid('Press Ctrl+C to copy');
    }
  };

  return (
    <div className="copy">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {multiline ? (
          <textarea id={id} ref={ref} readOnly value={value} rows={3} onFocus={(e) => e.target.select()} />
        ) : (
          <input id={id} ref={ref} readOnly value={value} onFocus={(e) => e.target.select()} />
        )}
        <button type="button" className="secondary" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
          Copy
        </button>
      </div>
      <span className="sub" role="status">
        {said}
      </span>
    </div>
  );
}
