// The alerting page's logic, free of Preact so it is unit-tested in Node: text and state filters
// for rules, alerts and silences, silence matchers (prefilled from an alert's labels), the
// silence form's validation and the POST body it produces, time and value formatting, and the
// state timeline of an alert instance's history.

import type {
  AlertingRule, AmAlert, HistoryItem, InstanceState, LabelSet, PostableSilence, Rule, RuleGroup, Silence,
  SilenceMatcher, SilenceState,
} from '../../api/alerting';
import { formatDate, parseDateTime, type TimeZone } from '../../lib/datetime';
import { formatDuration, parseDuration } from '../../lib/time';
import { relativePhrase } from '../../lib/unitFormats';

// ---------------------------------------------------------------------------------------------
// Text search and state filters.

/** Labels as Prometheus prints them: `{alertname="X", site="a"}` (keys sorted). */
export function labelsText(labels: LabelSet): string {
  const keys = Object.keys(labels).sort();
  return `{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(', ')}}`;
}

/** Label pairs sorted with `alertname` first, then by name. */
export function sortedLabels(labels: LabelSet): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a === 'alertname' ? -1 : b === 'alertname' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether every whitespace-separated term of `search` occurs (case-insensitively) in one of the
 * texts; a term `key=value` also matches a label pair written as `key=value` or `key="value"`.
 */
export function matchesSearch(search: string, texts: readonly string[], labels: readonly LabelSet[] = []): boolean {
  const terms = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const hay = [...texts, ...labels.flatMap((l) => Object.entries(l).map(([k, v]) => `${k}=${v}`))].map((t) => t.toLowerCase());
  return terms.every((term) => {
    const plain = term.replace(/^([^=]+)=["']?(.*?)["']?$/, '$1=$2');
    return hay.some((h) => h.includes(term) || h.includes(plain));
  });
}

/** The rules page's state filter: a rule state, `error` (health err), or all. */
export type RuleFilter = '' | 'firing' | 'pending' | 'inactive' | 'error';

/** Whether a rule passes the text and state filters (recording rules only without a state). */
export function ruleMatches(rule: Rule, search: string, state: RuleFilter): boolean {
  if (state === 'error' && rule.health !== 'err') return false;
  if (state && state !== 'error' && (rule.type !== 'alerting' || rule.state !== state)) return false;
  const labels: LabelSet[] = [rule.labels];
  const texts = [rule.name, rule.query];
  if (rule.type === 'alerting') {
    for (const a of rule.alerts) labels.push(a.labels);
    texts.push(...Object.values(rule.annotations));
  }
  return matchesSearch(search, texts, labels);
}

/** A rule file and its groups, in file then group order. */
export interface RuleFile {
  file: string;
  groups: RuleGroup[];
}

/** The groups that keep a rule after filtering, by file; files and groups without one go. */
export function filterRuleFiles(groups: readonly RuleGroup[], search: string, state: RuleFilter): RuleFile[] {
  const byFile = new Map<string, RuleGroup[]>();
  for (const g of groups) {
    const rules = g.rules.filter((r) => ruleMatches(r, search, state));
    if (rules.length === 0) continue;
    const list = byFile.get(g.file) ?? [];
    list.push({ ...g, rules });
    byFile.set(g.file, list);
  }
  return [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([file, gs]) => ({ file, groups: gs }));
}

/** How many alerting rules are in each state, and how many are unhealthy. */
export function ruleCounts(groups: readonly RuleGroup[]): Record<'firing' | 'pending' | 'inactive' | 'error' | 'total', number> {
  const c = { firing: 0, pending: 0, inactive: 0, error: 0, total: 0 };
  for (const g of groups) {
    for (const r of g.rules) {
      c.total++;
      if (r.health === 'err') c.error++;
      if (r.type === 'alerting') c[r.state]++;
    }
  }
  return c;
}

/** An Alertmanager alert's state as the page shows it. */
export type AlertDisplayState = 'firing' | 'silenced' | 'inhibited' | 'unprocessed';

export function alertState(a: AmAlert): AlertDisplayState {
  if (a.status.silencedBy.length) return 'silenced';
  if (a.status.inhibitedBy.length) return 'inhibited';
  if (a.status.state === 'suppressed') return 'silenced';
  if (a.status.state === 'unprocessed') return 'unprocessed';
  return 'firing';
}

/** Alerts passing the filters, sorted by name then start (newest first). */
export function filterAlerts(alerts: readonly AmAlert[], search: string, state: '' | AlertDisplayState): AmAlert[] {
  return alerts
    .filter((a) => (!state || alertState(a) === state) && matchesSearch(search, Object.values(a.annotations), [a.labels]))
    .sort((a, b) => (a.labels.alertname ?? '').localeCompare(b.labels.alertname ?? '') || b.startsAt.localeCompare(a.startsAt));
}

/** Silences by state: active (ending first), pending (starting first), expired (newest first). */
export function groupSilences(silences: readonly Silence[], search = ''): Record<SilenceState, Silence[]> {
  const out: Record<SilenceState, Silence[]> = { active: [], pending: [], expired: [] };
  for (const s of silences) {
    const texts = [s.id, s.comment, s.createdBy, ...s.matchers.map(formatMatcher)];
    if (matchesSearch(search, texts)) out[s.status.state].push(s);
  }
  out.active.sort((a, b) => a.endsAt.localeCompare(b.endsAt));
  out.pending.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  out.expired.sort((a, b) => b.endsAt.localeCompare(a.endsAt));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matchers.

export const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

/** A matcher as the editor holds it. */
export interface MatcherRow {
  name: string;
  op: MatchOp;
  value: string;
}

export function opOf(m: SilenceMatcher): MatchOp {
  return m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
}

export function toMatcher(row: MatcherRow): SilenceMatcher {
  return { name: row.name.trim(), value: row.value, isRegex: row.op === '=~' || row.op === '!~', isEqual: row.op === '=' || row.op === '=~' };
}

/** `name="value"`, `name=~"a|b"`, as amtool prints them. */
export function formatMatcher(m: SilenceMatcher): string {
  return `${m.name}${opOf(m)}${JSON.stringify(m.value)}`;
}

/** One `=` matcher per label of an alert, `alertname` first: what "Silence" prefills. */
export function matchersFromLabels(labels: LabelSet): MatcherRow[] {
  return sortedLabels(labels).map(([name, value]) => ({ name, op: '=' as MatchOp, value }));
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Whether a matcher matches `value`; null when its regex does not compile. */
export function matcherMatches(row: MatcherRow, value: string): boolean | null {
  if (row.op === '=' || row.op === '!=') return (row.value === value) === (row.op === '=');
  let re: RegExp;
  try {
    // Alertmanager's regexes are anchored at both ends.
    re = new RegExp(`^(?:${row.value})$`);
  } catch {
    return null;
  }
  return re.test(value) === (row.op === '=~');
}

/** Whether a silence matches an alert's labels (every matcher; a missing label is ""). */
export function silenceMatchesLabels(matchers: readonly SilenceMatcher[], labels: LabelSet): boolean {
  return matchers.every((m) => matcherMatches({ name: m.name, op: opOf(m), value: m.value }, labels[m.name] ?? '') === true);
}

// ---------------------------------------------------------------------------------------------
// The silence form.

/** The silence editor's fields, as typed. */
export interface SilenceForm {
  /** Set when editing an existing silence. */
  id?: string;
  matchers: MatcherRow[];
  /** `now` or a date (`YYYY-MM-DD HH:mm[:ss]`, ISO 8601) in the page's zone. */
  startsAt: string;
  /** Which of `duration` and `endsAt` decides the end (the one edited last). */
  endMode: 'duration' | 'end';
  duration: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export const DEFAULT_SILENCE_DURATION = '2h';
const FORM_DATE = 'YYYY-MM-DD HH:mm';

/** A date as the form shows it. */
export function formDate(ms: number, tz?: TimeZone): string {
  return formatDate(ms, ms % 60000 === 0 ? FORM_DATE : `${FORM_DATE}:ss`, tz);
}

/** An empty form: starts now, lasts two hours, created by the signed-in user. */
export function newSilenceForm(createdBy: string, now: number, tz?: TimeZone, matchers: MatcherRow[] = []): SilenceForm {
  return {
    matchers: matchers.length ? matchers : [{ name: '', op: '=', value: '' }],
    startsAt: 'now',
    endMode: 'duration',
    duration: DEFAULT_SILENCE_DURATION,
    endsAt: formDate(now + parseDuration(DEFAULT_SILENCE_DURATION), tz),
    createdBy,
    comment: '',
  };
}

/** The form of an alert's "Silence" action: its labels as `=` matchers. */
export function silenceFormFromAlert(labels: LabelSet, createdBy: string, now: number, tz?: TimeZone): SilenceForm {
  return newSilenceForm(createdBy, now, tz, matchersFromLabels(labels));
}

/**
 * The form to edit a silence (or to recreate an expired one, without its id: Alertmanager
 * creates a new silence then, starting now).
 */
export function silenceFormFromSilence(s: Silence, now: number, tz?: TimeZone): SilenceForm {
  const expired = s.status.state === 'expired';
  const start = Date.parse(s.startsAt);
  const end = Date.parse(s.endsAt);
  const span = Number.isFinite(start) && Number.isFinite(end) && end > start ? end - start : parseDuration(DEFAULT_SILENCE_DURATION);
  return {
    id: expired ? undefined : s.id,
    matchers: s.matchers.map((m) => ({ name: m.name, op: opOf(m), value: m.value })),
    startsAt: expired || !Number.isFinite(start) || start <= now ? 'now' : formDate(start, tz),
    endMode: 'duration',
    duration: formatDuration(expired ? span : Math.max(60000, end - Math.max(start, now))),
    endsAt: expired ? formDate(now + span, tz) : formDate(end, tz),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

/** Parses the form's start: `now` (or empty) is `now`. */
export function parseFormStart(text: string, now: number, tz?: TimeZone): number {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'now') return now;
  return parseDateTime(t, tz);
}

/** The end the form stands for, from the duration or the end date. NaN when invalid. */
export function formEnd(form: SilenceForm, now: number, tz?: TimeZone): number {
  const start = parseFormStart(form.startsAt, now, tz);
  if (form.endMode === 'end') return parseDateTime(form.endsAt, tz);
  const d = parseDuration(form.duration);
  return Number.isFinite(d) && d > 0 ? start + d : NaN;
}

/** What is wrong with a form, by field (`matchers.2` for a matcher row), or nothing. */
export type SilenceErrors = Partial<Record<string, string>>;

/** Validates the form as Alertmanager would; the POST body when it is valid. */
export function validateSilence(
  form: SilenceForm,
  now: number,
  tz?: TimeZone,
): { errors: SilenceErrors; body: PostableSilence | null } {
  const errors: SilenceErrors = {};
  const rows = form.matchers.filter((m) => m.name.trim() !== '' || m.value !== '');
  if (rows.length === 0) errors.matchers = 'Add at least one matcher.';
  form.matchers.forEach((m, i) => {
    if (m.name.trim() === '' && m.value === '') return;
    if (!LABEL_NAME.test(m.name.trim())) errors[`matchers.${i}`] = `"${m.name}" is not a valid label name (letters, digits and _, not starting with a digit).`;
    else if (matcherMatches(m, '') === null) errors[`matchers.${i}`] = `"${m.value}" is not a valid regular expression.`;
  });
  if (rows.length > 0 && !Object.keys(errors).some((k) => k.startsWith('matchers.')) && rows.every((m) => matcherMatches(m, '') === true)) {
    errors.matchers = 'At least one matcher must not match the empty string, or the silence would mute every alert.';
  }
  const start = parseFormStart(form.startsAt, now, tz);
  if (!Number.isFinite(start)) errors.startsAt = 'Enter "now" or a date such as 2024-05-01 10:00.';
  let end = NaN;
  if (form.endMode === 'duration') {
    const d = parseDuration(form.duration);
    if (!Number.isFinite(d) || d <= 0) errors.duration = 'Enter a duration such as 30m, 2h or 1d12h.';
    else end = start + d;
  } else {
    end = parseDateTime(form.endsAt, tz);
    if (!Number.isFinite(end)) errors.endsAt = 'Enter a date such as 2024-05-01 12:00.';
  }
  if (Number.isFinite(start) && Number.isFinite(end)) {
    if (end <= start) errors[form.endMode === 'end' ? 'endsAt' : 'duration'] = 'The end must be after the start.';
    else if (end <= now) errors[form.endMode === 'end' ? 'endsAt' : 'duration'] = 'The end must be in the future.';
  }
  if (form.createdBy.trim() === '') errors.createdBy = 'Say who creates the silence.';
  if (form.comment.trim() === '') errors.comment = 'Say why: the comment is shown to everyone the silence mutes.';
  if (Object.keys(errors).length) return { errors, body: null };
  const body: PostableSilence = {
    matchers: rows.map(toMatcher),
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(end).toISOString(),
    createdBy: form.createdBy.trim(),
    comment: form.comment.trim(),
  };
  if (form.id) body.id = form.id;
  return { errors, body };
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/** Epoch ms of an RFC 3339 time; NaN for empty text and Go's zero time. */
export function parseTimestamp(text: string): number {
  if (!text || text.startsWith('0001-01-01')) return NaN;
  return Date.parse(text);
}

/** `2024-05-01 10:00:00`, or `-` when unknown. */
export function formatTime(ms: number, tz?: TimeZone): string {
  return Number.isFinite(ms) ? formatDate(ms, 'YYYY-MM-DD HH:mm:ss', tz) : '-';
}

/** `3 minutes ago`, `in 2 hours`, or `-`. */
export function relative(ms: number, now: number): string {
  if (!Number.isFinite(ms)) return '-';
  const phrase = relativePhrase(Math.abs(now - ms) / 1000);
  return ms > now ? `in ${phrase}` : `${phrase} ago`;
}

/** A Prometheus sample value (`9.5e+00`) as a short number (`9.5`); other text as it is. */
export function formatValue(value: string | number | null): string {
  if (value === null || value === '') return '-';
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return String(value);
  return String(Number(n.toPrecision(6)));
}

/** An evaluation time in seconds (Prometheus) as `0.25 ms`, `12 ms`, `1.5 s`. */
export function formatEvaluationTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds >= 1) return `${Number(seconds.toPrecision(3))} s`;
  return `${Number((seconds * 1000).toPrecision(2))} ms`;
}

/** Seconds as `1m30s`; `0s` stays `0s`. */
export function formatSeconds(s: number): string {
  return formatDuration(s * 1000);
}

/** The firing and pending instances of an alerting rule, firing first. */
export function sortedInstances(rule: AlertingRule) {
  const rank = { firing: 0, pending: 1 } as const;
  return [...rule.alerts].sort((a, b) => rank[a.state] - rank[b.state] || labelsText(a.labels).localeCompare(labelsText(b.labels)));
}

/** The link to an instance's state history on this page. */
export function historyHref(p: { ruleKey: string; alertname?: string; instance?: string }): string {
  const q = new URLSearchParams({ tab: 'history', ruleKey: p.ruleKey });
  if (p.alertname) q.set('alertname', p.alertname);
  if (p.instance) q.set('instance', p.instance);
  return `/alerting?${q}`;
}

// ---------------------------------------------------------------------------------------------
// State timeline.

/** A period of one state in an instance's history. */
export interface StateSegment {
  state: InstanceState;
  start: number;
  end: number;
  value: number | null;
}

/**
 * The states an instance went through from `from` to `now`, oldest first, from its transitions
 * (any order): each transition starts a segment that lasts until the next one; the time before
 * the first transition is in its `from` state. Segments are clipped to [from, now].
 */
export function historySegments(items: readonly HistoryItem[], from: number, now: number): StateSegment[] {
  const sorted = [...items].filter((h) => h.at <= now).sort((a, b) => a.at - b.at);
  if (sorted.length === 0 || now <= from) return [];
  const out: StateSegment[] = [];
  const push = (state: InstanceState, start: number, end: number, value: number | null) => {
    const s = Math.max(start, from);
    const e = Math.min(end, now);
    if (e <= s) return;
    const last = out[out.length - 1];
    if (last && last.state === state && last.end === s) last.end = e;
    else out.push({ state, start: s, end: e, value });
  };
  push(sorted[0].from, from, sorted[0].at, null);
  sorted.forEach((h, i) => push(h.to, h.at, i + 1 < sorted.length ? sorted[i + 1].at : now, h.value));
  return out;
}
