// The time range picker: quick relative ranges, and a from/to form that takes date math
// (`now-15m`, `now-1d/d`) or absolute times; plus the refresh picker and zoom out.

import { useEffect, useRef, useState } from 'preact/hooks';
import { describeRange, parseTime, quickRanges, refreshIntervals } from '../../lib/time';

export interface RawRange {
  from: string;
  to: string;
}

export function TimePicker({ range, onChange }: { range: RawRange; onChange(r: RawRange): void }) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [error, setError] = useState('');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setFrom(range.from);
    setTo(range.to);
  }, [range.from, range.to]);
  useEffect(() => {
    if (!open) return;
    const close = (ev: MouseEvent) => {
      if (box.current && !box.current.contains(ev.target as Node)) setOpen(false);
    };
    const esc = (ev: KeyboardEvent) => ev.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);
  const apply = (ev: Event) => {
    ev.preventDefault();
    const now = Date.now();
    const f = parseTime(from, now, false);
    const t = parseTime(to, now, true);
    if (f === null || Number.isNaN(f)) return setError(`"${from}" is not a time (try now-15m or 2024-01-02 10:00:00)`);
    if (t === null || Number.isNaN(t)) return setError(`"${to}" is not a time`);
    if (f >= t) return setError('"From" must be before "To"');
    setError('');
    setOpen(false);
    onChange({ from: from.trim(), to: to.trim() });
  };
  return (
    <div class="picker" ref={box}>
      <button type="button" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="time-picker" title="Time range">
        <span aria-hidden="true">◷</span> {describeRange(range)}
      </button>
      {open && (
        <div class="popover picker-menu" role="dialog" aria-label="Time range">
          <form onSubmit={apply} style={{ display: 'flex', flexDirection: 'column', gap: '6px', flex: 1 }}>
            <strong>Absolute time range</strong>
            <label class="field">
              <span>From</span>
              <input name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
            </label>
            <label class="field">
              <span>To</span>
              <input name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
            </label>
            {error && (
              <span class="error-text" role="alert">
                {error}
              </span>
            )}
            <button class="primary" type="submit">
              Apply time range
            </button>
          </form>
          <ul aria-label="Quick ranges">
            {quickRanges.map((q) => (
              <li key={q.from + q.to}>
                <button
                  type="button"
                  aria-current={q.from === range.from && q.to === range.to}
                  onClick={() => {
                    setOpen(false);
                    onChange({ from: q.from, to: q.to });
                  }}
                >
                  {q.display}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** Refresh: Off pauses live updates; any interval keeps the panels live (pushed by the server). */
export function RefreshPicker({ value, onChange, onRefresh }: { value: string; onChange(v: string): void; onRefresh(): void }) {
  return (
    <span style={{ display: 'flex' }}>
      <button type="button" onClick={onRefresh} aria-label="Refresh dashboard" title="Refresh">
        ⟳
      </button>
      <label class="sr-only" for="refresh-picker">
        Auto refresh
      </label>
      <select id="refresh-picker" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">Off</option>
        <option value="live">Live</option>
        {refreshIntervals.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </span>
  );
}
