// The silence editor, a dialog: matchers (`=`, `!=`, `=~`, `!~`), start, end as a duration or a
// date (the field edited last decides), creator and comment. It validates as Alertmanager does
// before posting, says which alerts the matchers catch now, and shows the server's refusal as is.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { alertingApi, type AmAlert } from '../../api/alerting';
import { ApiError } from '../../api/client';
import { formatDuration } from '../../lib/time';
import { LabelChips } from './common';
import {
  formDate, formEnd, MATCH_OPS, parseFormStart, silenceMatchesLabels, toMatcher, validateSilence, type MatchOp,
  type SilenceForm,
} from './model';

export interface SilenceEditorProps {
  initial: SilenceForm;
  timeZone?: string;
  onClose(): void;
  onSaved(id: string): void;
}

const OP_NAMES: Record<MatchOp, string> = {
  '=': 'equals',
  '!=': 'does not equal',
  '=~': 'matches regex',
  '!~': 'does not match regex',
};

export function SilenceEditor({ initial, timeZone, onClose, onSaved }: SilenceEditorProps) {
  const [form, setForm] = useState<SilenceForm>(initial);
  const [tried, setTried] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState('');
  const [alerts, setAlerts] = useState<AmAlert[] | null>(null);
  const dialog = useRef<HTMLDivElement>(null);

  // Focus the first field to fill; Escape closes; focus goes back where it was.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    // Prefilled matchers (from an alert): what is left to say is why.
    const first = initial.matchers[0]?.name ? 'textarea' : 'input';
    dialog.current?.querySelector<HTMLElement>(first)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, []);
  useEffect(() => {
    alertingApi.alerts().then(setAlerts, () => setAlerts(null));
  }, []);

  const now = Date.now();
  const { errors, body } = validateSilence(form, now, timeZone);
  const shownErrors = tried ? errors : {};
  const caught = useMemo(() => {
    if (!alerts) return null;
    const matchers = form.matchers.filter((m) => m.name.trim() && !errors[`matchers.${form.matchers.indexOf(m)}`]).map(toMatcher);
    if (matchers.length === 0) return null;
    return alerts.filter((a) => silenceMatchesLabels(matchers, a.labels));
  }, [alerts, form.matchers]);

  const set = (patch: Partial<SilenceForm>) => setForm((f) => ({ ...f, ...patch }));
  const setRow = (i: number, patch: Partial<SilenceForm['matchers'][number]>) =>
    setForm((f) => ({ ...f, matchers: f.matchers.map((m, j) => (j === i ? { ...m, ...patch } : m)) }));
  // Editing the duration moves the end date, and the other way round.
  const onDuration = (duration: string) =>
    setForm((f) => {
      const next = { ...f, duration, endMode: 'duration' as const };
      const end = formEnd(next, Date.now(), timeZone);
      return Number.isFinite(end) ? { ...next, endsAt: formDate(end, timeZone) } : next;
    });
  const onEnd = (endsAt: string) =>
    setForm((f) => {
      const next = { ...f, endsAt, endMode: 'end' as const };
      const end = formEnd(next, Date.now(), timeZone);
      const start = parseFormStart(f.startsAt, Date.now(), timeZone);
      return Number.isFinite(end) && end > start ? { ...next, duration: formatDuration(end - start) } : next;
    });

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    setServerError('');
    if (!body) {
      const first = dialog.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
      first?.focus();
      return;
    }
    setSaving(true);
    try {
      const id = await alertingApi.saveSilence(body);
      onSaved(id);
    } catch (err) {
      setServerError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  const title = form.id ? 'Edit silence' : 'New silence';
  const err = (key: string) =>
    shownErrors[key] ? (
      <span class="error-text al-field-error" id={`silence-${key.replace('.', '-')}-error`}>
        {shownErrors[key]}
      </span>
    ) : null;
  const invalid = (key: string) => (shownErrors[key] ? { 'aria-invalid': true, 'aria-describedby': `silence-${key.replace('.', '-')}-error` } : {});

  return (
    <div class="drawer" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="drawer-body al-editor" role="dialog" aria-modal="true" aria-labelledby="silence-editor-title" ref={dialog}>
        <form onSubmit={submit} aria-label={title} noValidate>
          <div class="drawer-head">
            <h2 id="silence-editor-title">{title}</h2>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" class="primary" disabled={saving}>
              {saving ? 'Saving…' : form.id ? 'Save silence' : 'Create silence'}
            </button>
          </div>
          <div class="drawer-main">
            {serverError && (
              <div class="banner error" role="alert">
                The server refused the silence: {serverError}
              </div>
            )}
            {tried && !body && (
              <div class="banner error" role="alert">
                Fix the fields marked below.
              </div>
            )}
            <fieldset class="al-matchers">
              <legend>Matchers: the silence mutes alerts whose labels match all of them</legend>
              {form.matchers.map((m, i) => (
                <div class="al-matcher" key={i}>
                  <label class="field">
                    <span class={i > 0 ? 'sr-only' : undefined}>Label</span>
                    <input value={m.name} placeholder="alertname" onInput={(e) => setRow(i, { name: e.currentTarget.value })} {...invalid(`matchers.${i}`)} aria-label={`Matcher ${i + 1} label name`} />
                  </label>
                  <label class="field">
                    <span class={i > 0 ? 'sr-only' : undefined}>Operator</span>
                    <select value={m.op} onChange={(e) => setRow(i, { op: e.currentTarget.value as MatchOp })} aria-label={`Matcher ${i + 1} operator`}>
                      {MATCH_OPS.map((op) => (
                        <option key={op} value={op}>
                          {op} ({OP_NAMES[op]})
                        </option>
                      ))}
                    </select>
                  </label>
                  <label class="field al-matcher-value">
                    <span class={i > 0 ? 'sr-only' : undefined}>Value</span>
                    <input value={m.value} onInput={(e) => setRow(i, { value: e.currentTarget.value })} aria-label={`Matcher ${i + 1} value`} />
                  </label>
                  <button
                    type="button"
                    class="al-remove"
                    aria-label={`Remove matcher ${i + 1}`}
                    onClick={() => set({ matchers: form.matchers.filter((_, j) => j !== i) })}
                    disabled={form.matchers.length === 1}
                  >
                    ×
                  </button>
                  {err(`matchers.${i}`)}
                </div>
              ))}
              <div>
                <button type="button" onClick={() => set({ matchers: [...form.matchers, { name: '', op: '=', value: '' }] })}>
                  Add matcher
                </button>
              </div>
              {err('matchers')}
              {caught && (
                <p class="muted" aria-live="polite">
                  Matches {caught.length} alert{caught.length === 1 ? '' : 's'} now
                  {caught.length > 0 && ':'}
                </p>
              )}
              {caught && caught.length > 0 && (
                <ul class="al-caught">
                  {caught.slice(0, 10).map((a) => (
                    <li key={a.fingerprint}>
                      <LabelChips labels={a.labels} />
                    </li>
                  ))}
                  {caught.length > 10 && <li class="muted">and {caught.length - 10} more</li>}
                </ul>
              )}
            </fieldset>
            <div class="al-times">
              <label class="field">
                <span>Start ("now" or YYYY-MM-DD HH:mm)</span>
                <input value={form.startsAt} onInput={(e) => set({ startsAt: e.currentTarget.value })} {...invalid('startsAt')} />
                {err('startsAt')}
              </label>
              <label class="field">
                <span>Duration (30m, 2h, 1d)</span>
                <input value={form.duration} onInput={(e) => onDuration(e.currentTarget.value)} {...invalid('duration')} />
                {err('duration')}
              </label>
              <label class="field">
                <span>End (YYYY-MM-DD HH:mm)</span>
                <input value={form.endsAt} onInput={(e) => onEnd(e.currentTarget.value)} {...invalid('endsAt')} />
                {err('endsAt')}
              </label>
            </div>
            <label class="field">
              <span>Created by</span>
              <input value={form.createdBy} onInput={(e) => set({ createdBy: e.currentTarget.value })} {...invalid('createdBy')} autoComplete="username" />
              {err('createdBy')}
            </label>
            <label class="field">
              <span>Comment</span>
              <textarea rows={3} value={form.comment} onInput={(e) => set({ comment: e.currentTarget.value })} {...invalid('comment')} />
              {err('comment')}
            </label>
          </div>
        </form>
      </div>
    </div>
  );
}
