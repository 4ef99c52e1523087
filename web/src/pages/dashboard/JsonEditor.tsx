// The dashboard JSON editor: the whole model as text, with a line-number gutter. Syntax errors
// are found before anything is sent; the server's validation errors (JSON paths) are mapped to
// their lines, marked in the gutter and listed; clicking one selects its line.

import { useMemo, useRef, useState } from 'preact/hooks';
import type { ApiError, PathError } from '../../api/client';
import type { Dashboard } from '../../api/dashboard';
import { lineOfPath, syntaxErrorLocation } from '../../lib/jsonPath';

interface Marked {
  line: number | null;
  text: string;
}

export function JsonEditor({
  dashboard,
  readOnly,
  onClose,
  onApply,
  onSave,
}: {
  dashboard: Dashboard;
  readOnly: boolean;
  onClose(): void;
  onApply(d: Dashboard): void;
  onSave(d: Dashboard): Promise<ApiError | null>;
}) {
  const [text, setText] = useState(() => JSON.stringify(dashboard, null, 2));
  const [errors, setErrors] = useState<Marked[]>([]);
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLPreElement>(null);
  const lines = useMemo(() => text.split('\n').length, [text]);
  const errorLines = new Set(errors.map((e) => e.line).filter((l): l is number => l !== null));

  const selectLine = (line: number | null) => {
    const el = area.current;
    if (!el || line === null) return;
    const all = el.value.split('\n');
    const start = all.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (all[line - 1]?.length ?? 0));
    const lineHeight = el.scrollHeight / Math.max(1, all.length);
    el.scrollTop = Math.max(0, (line - 5) * lineHeight);
  };

  const parse = (): Dashboard | null => {
    const syntax = syntaxErrorLocation(text);
    if (syntax) {
      const e = [{ line: syntax.line, text: `Line ${syntax.line}, column ${syntax.column}: ${syntax.message}` }];
      setErrors(e);
      selectLine(syntax.line);
      return null;
    }
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      setErrors([{ line: 1, text: 'The dashboard must be a JSON object' }]);
      return null;
    }
    setErrors([]);
    return value as Dashboard;
  };

  const save = async () => {
    const d = parse();
    if (!d) return;
    setBusy(true);
    const err = await onSave(d);
    setBusy(false);
    if (!err) return;
    const list: PathError[] = err.errors.length ? err.errors : [{ path: '', message: err.message }];
    const marked = list.map((e) => {
      const line = e.path ? lineOfPath(text, e.path) : null;
      return { line, text: `${line !== null ? `Line ${line}: ` : ''}${e.path ? `${e.path}: ` : ''}${e.message}` };
    });
    setErrors(marked);
    selectLine(marked.find((m) => m.line !== null)?.line ?? null);
  };

  return (
    <div class="drawer" role="dialog" aria-modal="true" aria-labelledby="json-editor-title" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div class="drawer-body">
        <div class="drawer-head">
          <h2 id="json-editor-title">Dashboard JSON</h2>
          <button
            type="button"
            onClick={() => {
              const d = parse();
              if (d) onApply(d);
            }}
          >
            Apply
          </button>
          <button type="button" class="primary" disabled={readOnly || busy} onClick={() => void save()} title={readOnly ? 'Provisioned dashboards cannot be saved here' : undefined}>
            {busy ? 'Saving…' : 'Save dashboard'}
          </button>
          <button type="button" onClick={onClose} aria-label="Close the JSON editor">
            ✕
          </button>
        </div>
        <div class="drawer-main">
          {readOnly && (
            <div class="banner" role="note">
              This dashboard is provisioned from a file: it can be applied here to try changes, but not saved.
            </div>
          )}
          {errors.length > 0 && (
            <ul class="banner error" role="alert" aria-label="JSON errors" data-testid="json-errors" style={{ margin: 0, paddingLeft: '24px' }}>
              {errors.map((e, i) => (
                <li key={i}>
                  {e.line !== null ? (
                    <button type="button" style={{ border: 0, background: 'transparent', color: 'inherit', padding: 0, textAlign: 'left' }} onClick={() => selectLine(e.line)}>
                      {e.text}
                    </button>
                  ) : (
                    e.text
                  )}
                </li>
              ))}
            </ul>
          )}
          <div style={{ display: 'flex', flex: 1, minHeight: '60vh', border: '1px solid var(--border-strong)', borderRadius: '4px', overflow: 'hidden' }}>
            <pre
              ref={gutter}
              aria-hidden="true"
              style={{ margin: 0, padding: '4px 6px', textAlign: 'right', color: 'var(--muted)', background: 'var(--panel-bg)', font: '12px/1.5 var(--mono)', overflow: 'hidden', userSelect: 'none' }}
            >
              {Array.from({ length: lines }, (_, i) => (
                <div key={i} class={errorLines.has(i + 1) ? 'error-text' : undefined} data-error-line={errorLines.has(i + 1) ? i + 1 : undefined}>
                  {errorLines.has(i + 1) ? '● ' : ''}
                  {i + 1}
                </div>
              ))}
            </pre>
            <label class="sr-only" for="dashboard-json">
              Dashboard JSON
            </label>
            <textarea
              id="dashboard-json"
              ref={area}
              class="json"
              spellcheck={false}
              value={text}
              style={{ flex: 1, border: 0, borderRadius: 0, font: '12px/1.5 var(--mono)', padding: '4px 8px', resize: 'none', minHeight: 0 }}
              onInput={(e) => setText(e.currentTarget.value)}
              onScroll={(e) => {
                if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
              }}
            />
          </div>
        </div>
      </div>
    </div>
  );
}
