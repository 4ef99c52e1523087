// The alerting endpoints: rule and alert states in Prometheus' shape (`/api/v1/rules`,
// `/api/v1/alerts`), alerts and silences in Alertmanager's v2 shape (`/api/v2/alerts`,
// `/api/v2/silences`), and Pulsegrid's own outbox, state history and panel annotations
// (`/api/alerting/*`). Answers are normalized on the way in (missing maps and lists become empty,
// unknown states become `unknown`), so the pages never test for nulls the server may omit.

import { request } from './client';

/** A label or annotation set. */
export type LabelSet = Record<string, string>;

/** A rule's evaluation state (Prometheus). */
export type RuleState = 'inactive' | 'pending' | 'firing';
/** A rule's health (Prometheus). */
export type RuleHealth = 'ok' | 'err' | 'unknown';

/** An alert instance of a rule (`/api/v1/rules` and `/api/v1/alerts`). */
export interface PromAlert {
  labels: LabelSet;
  annotations: LabelSet;
  state: 'pending' | 'firing';
  /** RFC 3339; empty when unknown. */
  activeAt: string;
  /** Prometheus style: a decimal or `1e+01`. */
  value: string;
  flapping: boolean;
  /** The instance fingerprint (hex). */
  instance: string;
}

interface RuleCommon {
  name: string;
  query: string;
  labels: LabelSet;
  health: RuleHealth;
  lastError: string;
  evaluationTime: number;
  lastEvaluation: string;
  /** A stable id for `/api/alerting/history?ruleKey=`. */
  ruleKey: string;
}

/** An alerting rule. */
export interface AlertingRule extends RuleCommon {
  type: 'alerting';
  /** `for`, seconds. */
  duration: number;
  keepFiringFor: number;
  annotations: LabelSet;
  alerts: PromAlert[];
  state: RuleState;
  /** Datasource uid of a Pulsegrid rule; null for a Prometheus rule. */
  source: string | null;
  condition: string | null;
  clearCondition: string | null;
  noData: 'ok' | 'nodata' | 'alerting' | 'keep_last' | null;
}

/** A recording rule. */
export interface RecordingRule extends RuleCommon {
  type: 'recording';
}

export type Rule = AlertingRule | RecordingRule;

/** A rule group of a rule file. */
export interface RuleGroup {
  name: string;
  file: string;
  /** Seconds. */
  interval: number;
  evaluationTime: number;
  lastEvaluation: string;
  rules: Rule[];
}

/** `GET /api/v2/alerts` item (Alertmanager). */
export interface AmAlert {
  labels: LabelSet;
  annotations: LabelSet;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
  generatorURL: string;
}

/** A silence matcher (Alertmanager v2). */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** `=`/`=~` when true, `!=`/`!~` when false. */
  isEqual: boolean;
}

export type SilenceState = 'active' | 'pending' | 'expired';

/** `GET /api/v2/silences` item. */
export interface Silence {
  id: string;
  status: { state: SilenceState };
  updatedAt: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** `POST /api/v2/silences` body; `id` updates that silence. */
export interface PostableSilence {
  id?: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export type OutboxStatus = 'pending' | 'delivered' | 'failed';

/** One notification in the durable outbox. */
export interface OutboxItem {
  id: string;
  receiver: string;
  /** `webhook[0]`, `email[1]`. */
  integration: string;
  groupKey: string;
  status: OutboxStatus;
  attempts: number;
  /** Epoch ms; null when none is planned. */
  nextAttemptAt: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
  alerts: { labels: LabelSet; status: 'firing' | 'resolved' }[];
}

/** `GET /api/alerting/outbox`. */
export interface OutboxPage {
  counts: Record<OutboxStatus, number>;
  items: OutboxItem[];
}

/** An instance's state, as history and annotations name it. */
export type InstanceState = 'inactive' | 'pending' | 'firing' | 'nodata' | 'error';

/** One state transition of an alert instance (newest first in answers). */
export interface HistoryItem {
  ruleKey: string;
  alertname: string;
  instance: string;
  labels: LabelSet;
  from: InstanceState;
  to: InstanceState;
  value: number | null;
  /** Epoch ms. */
  at: number;
}

/** An alert state period of a rule linked to a panel. */
export interface AlertPeriod {
  alertname: string;
  labels: LabelSet;
  state: 'pending' | 'firing' | 'nodata' | 'error';
  /** Epoch ms. */
  time: number;
  /** Epoch ms; null while it lasts. */
  timeEnd: number | null;
  value: number | null;
}

/** Filters of `/api/alerting/history`. */
export interface HistoryQuery {
  ruleKey?: string;
  alertname?: string;
  instance?: string;
  from?: number;
  to?: number;
  limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Normalization: the server's JSON, made total.

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v == null ? fallback : String(v));
const num = (v: unknown, fallback = 0): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
};
const numOrNull = (v: unknown): number | null => (v == null ? null : Number.isFinite(num(v, NaN)) ? num(v) : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(v as T) ? (v as T) : fallback;
}

/** A label map with string values only (anything else is stringified). */
export function labelSet(v: unknown): LabelSet {
  const out: LabelSet = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = str(val);
  return out;
}

function parsePromAlert(v: unknown): PromAlert {
  const a = obj(v);
  return {
    labels: labelSet(a.labels),
    annotations: labelSet(a.annotations),
    state: oneOf(a.state, ['pending', 'firing'] as const, 'firing'),
    activeAt: str(a.activeAt),
    value: str(a.value),
    flapping: a.flapping === true,
    instance: str(a.instance),
  };
}

function parseRule(v: unknown): Rule {
  const r = obj(v);
  const common: RuleCommon = {
    name: str(r.name),
    query: str(r.query),
    labels: labelSet(r.labels),
    health: oneOf(r.health, ['ok', 'err', 'unknown'] as const, 'unknown'),
    lastError: str(r.lastError),
    evaluationTime: num(r.evaluationTime),
    lastEvaluation: str(r.lastEvaluation),
    ruleKey: str(r.ruleKey, str(r.name)),
  };
  if (r.type === 'recording') return { ...common, type: 'recording' };
  return {
    ...common,
    type: 'alerting',
    duration: num(r.duration),
    keepFiringFor: num(r.keepFiringFor),
    annotations: labelSet(r.annotations),
    alerts: arr(r.alerts).map(parsePromAlert),
    state: oneOf(r.state, ['inactive', 'pending', 'firing'] as const, 'inactive'),
    source: strOrNull(r.source),
    condition: strOrNull(r.condition),
    clearCondition: strOrNull(r.clearCondition),
    noData: r.noData == null ? null : oneOf(r.noData, ['ok', 'nodata', 'alerting', 'keep_last'] as const, 'ok'),
  };
}

/** `GET /api/v1/rules` answer to rule groups. */
export function parseRules(body: unknown): RuleGroup[] {
  return arr(obj(obj(body).data).groups).map((g) => {
    const group = obj(g);
    return {
      name: str(group.name),
      file: str(group.file),
      interval: num(group.interval),
      evaluationTime: num(group.evaluationTime),
      lastEvaluation: str(group.lastEvaluation),
      rules: arr(group.rules).map(parseRule),
    };
  });
}

/** `GET /api/v1/alerts` answer to alerts. */
export function parsePromAlerts(body: unknown): PromAlert[] {
  return arr(obj(obj(body).data).alerts).map(parsePromAlert);
}

/** `GET /api/v2/alerts` answer. */
export function parseAmAlerts(body: unknown): AmAlert[] {
  return arr(body).map((v) => {
    const a = obj(v);
    const status = obj(a.status);
    return {
      labels: labelSet(a.labels),
      annotations: labelSet(a.annotations),
      startsAt: str(a.startsAt),
      endsAt: str(a.endsAt),
      updatedAt: str(a.updatedAt),
      fingerprint: str(a.fingerprint),
      receivers: arr(a.receivers).map((r) => ({ name: str(obj(r).name) })),
      status: {
        state: oneOf(status.state, ['active', 'suppressed', 'unprocessed'] as const, 'active'),
        silencedBy: arr(status.silencedBy).map((x) => str(x)),
        inhibitedBy: arr(status.inhibitedBy).map((x) => str(x)),
      },
      generatorURL: str(a.generatorURL),
    };
  });
}

function parseMatcher(v: unknown): SilenceMatcher {
  const m = obj(v);
  return { name: str(m.name), value: str(m.value), isRegex: m.isRegex === true, isEqual: m.isEqual !== false };
}

/** `GET /api/v2/silences` answer. */
export function parseSilences(body: unknown): Silence[] {
  return arr(body).map((v) => {
    const s = obj(v);
    return {
      id: str(s.id),
      status: { state: oneOf(obj(s.status).state, ['active', 'pending', 'expired'] as const, 'expired') },
      updatedAt: str(s.updatedAt),
      matchers: arr(s.matchers).map(parseMatcher),
      startsAt: str(s.startsAt),
      endsAt: str(s.endsAt),
      createdBy: str(s.createdBy),
      comment: str(s.comment),
    };
  });
}

const OUTBOX_STATUSES = ['pending', 'delivered', 'failed'] as const;

/** `GET /api/alerting/outbox` answer. */
export function parseOutbox(body: unknown): OutboxPage {
  const b = obj(body);
  const counts = obj(b.counts);
  return {
    counts: { pending: num(counts.pending), delivered: num(counts.delivered), failed: num(counts.failed) },
    items: arr(b.items).map((v) => {
      const it = obj(v);
      return {
        id: str(it.id),
        receiver: str(it.receiver),
        integration: str(it.integration),
        groupKey: str(it.groupKey),
        status: oneOf(it.status, OUTBOX_STATUSES, 'pending'),
        attempts: num(it.attempts),
        nextAttemptAt: numOrNull(it.nextAttemptAt),
        lastError: strOrNull(it.lastError),
        createdAt: num(it.createdAt),
        deliveredAt: numOrNull(it.deliveredAt),
        alerts: arr(it.alerts).map((a) => ({
          labels: labelSet(obj(a).labels),
          status: oneOf(obj(a).status, ['firing', 'resolved'] as const, 'firing'),
        })),
      };
    }),
  };
}

const INSTANCE_STATES = ['inactive', 'pending', 'firing', 'nodata', 'error'] as const;

/** `GET /api/alerting/history` answer, newest first. */
export function parseHistory(body: unknown): HistoryItem[] {
  return arr(obj(body).items)
    .map((v) => {
      const h = obj(v);
      return {
        ruleKey: str(h.ruleKey),
        alertname: str(h.alertname),
        instance: str(h.instance),
        labels: labelSet(h.labels),
        from: oneOf(h.from, INSTANCE_STATES, 'inactive'),
        to: oneOf(h.to, INSTANCE_STATES, 'inactive'),
        value: numOrNull(h.value),
        at: num(h.at, NaN),
      };
    })
    .filter((h) => Number.isFinite(h.at))
    .sort((a, b) => b.at - a.at);
}

/** `GET /api/alerting/annotations` answer, oldest first; periods without a valid start dropped. */
export function parseAnnotations(body: unknown): AlertPeriod[] {
  return arr(obj(body).items)
    .map((v) => {
      const p = obj(v);
      return {
        alertname: str(p.alertname),
        labels: labelSet(p.labels),
        state: oneOf(p.state, ['pending', 'firing', 'nodata', 'error'] as const, 'firing'),
        time: num(p.time, NaN),
        timeEnd: numOrNull(p.timeEnd),
        value: numOrNull(p.value),
      };
    })
    .filter((p) => Number.isFinite(p.time))
    .sort((a, b) => a.time - b.time);
}

// ---------------------------------------------------------------------------------------------
// Requests.

function query(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const qs = p.toString();
  return qs ? `?${qs}` : '';
}

export const alertingApi = {
  async rules(): Promise<RuleGroup[]> {
    return parseRules(await request('GET', '/api/v1/rules'));
  },
  async promAlerts(): Promise<PromAlert[]> {
    return parsePromAlerts(await request('GET', '/api/v1/alerts'));
  },
  async alerts(): Promise<AmAlert[]> {
    return parseAmAlerts(await request('GET', '/api/v2/alerts'));
  },
  async silences(): Promise<Silence[]> {
    return parseSilences(await request('GET', '/api/v2/silences'));
  },
  /** Creates (or updates, with `id`) a silence; resolves to its id. */
  async saveSilence(silence: PostableSilence): Promise<string> {
    return str(obj(await request('POST', '/api/v2/silences', silence)).silenceID);
  },
  async expireSilence(id: string): Promise<void> {
    await request('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
  },
  async outbox(params: { status?: OutboxStatus | ''; receiver?: string; limit?: number } = {}): Promise<OutboxPage> {
    return parseOutbox(await request('GET', `/api/alerting/outbox${query(params)}`));
  },
  async history(params: HistoryQuery): Promise<HistoryItem[]> {
    return parseHistory(await request('GET', `/api/alerting/history${query({ ...params })}`));
  },
  async annotations(dashboardUid: string, panelId: number, from: number, to: number): Promise<AlertPeriod[]> {
    const qs = query({ dashboardUid, panelId, from: Math.floor(from), to: Math.ceil(to) });
    return parseAnnotations(await request('GET', `/api/alerting/annotations${qs}`));
  },
};
