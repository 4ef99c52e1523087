// `/alerting`: tabs for the alert rules, the alerts, the silences, the notification outbox and
// the state history. The tab and its filters live in the URL (`?tab=silences&q=...`) so a view
// can be linked; the shown tab reloads every 10 s while the browser tab is visible. Write
// actions (silences) show only to editors and admins.

import { useRef, useState } from 'preact/hooks';
import { alertingApi, type AmAlert, type OutboxStatus, type Silence } from '../../api/alerting';
import { ApiError } from '../../api/client';
import { TopBar } from '../../components/TopBar';
import { navigate, useLocation } from '../../lib/router';
import { canEdit, useUser } from '../../lib/session';
import { AlertsList } from './AlertsList';
import { Outbox } from './Outbox';
import { RulesList } from './RulesList';
import { SilenceEditor } from './SilenceEditor';
import { Silences } from './Silences';
import { StateHistory } from './StateHistory';
import { newSilenceForm, silenceFormFromAlert, silenceFormFromSilence, type AlertDisplayState, type RuleFilter, type SilenceForm } from './model';
import { usePoll } from './usePoll';
import './alerting.css';

const TABS = [
  ['rules', 'Alert rules'],
  ['alerts', 'Alerts'],
  ['silences', 'Silences'],
  ['outbox', 'Outbox'],
  ['history', 'History'],
] as const;
type Tab = (typeof TABS)[number][0];

/** The page's time zone: the browser's, as Grafana's alerting pages. */
const TZ = 'browser';

/** The URL of the page with some parameters changed (empty values dropped). */
function withParams(query: URLSearchParams, patch: Record<string, string>, keep: readonly string[]): string {
  const p = new URLSearchParams();
  for (const k of keep) {
    const v = query.get(k);
    if (v) p.set(k, v);
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v) p.set(k, v);
    else p.delete(k);
  }
  const qs = p.toString();
  return qs ? `/alerting?${qs}` : '/alerting';
}

export function AlertingPage() {
  const { query } = useLocation();
  const user = useUser();
  const editor = canEdit(user);
  const rawTab = query.get('tab') ?? 'rules';
  const tab: Tab = TABS.some(([t]) => t === rawTab) ? (rawTab as Tab) : 'rules';
  const [editing, setEditing] = useState<SilenceForm | null>(null);
  const [notice, setNotice] = useState('');
  const [silencesEpoch, setSilencesEpoch] = useState(0);
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);

  const go = (t: Tab, params: Record<string, string> = {}) => {
    setNotice('');
    navigate(withParams(new URLSearchParams(), { tab: t === 'rules' ? '' : t, ...params }, []));
  };
  /** Filters change the URL in place (no history entry per keystroke). */
  const filter = (patch: Record<string, string>) => navigate(withParams(query, patch, ['tab', 'q', 'state', 'status', 'receiver', 'ruleKey', 'alertname', 'instance']), true);
  const onTabKey = (e: KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    const to = e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : step ? (i + step + TABS.length) % TABS.length : -1;
    if (to < 0) return;
    e.preventDefault();
    go(TABS[to][0]);
    tabRefs.current[to]?.focus();
  };

  const who = user?.login ?? '';
  const now = Date.now();
  const openNew = () => setEditing(newSilenceForm(who, now, TZ));
  const openFromAlert = (a: AmAlert) => setEditing(silenceFormFromAlert(a.labels, who, now, TZ));
  const openEdit = (s: Silence) => setEditing(silenceFormFromSilence(s, now, TZ));
  const onSaved = (id: string) => {
    setEditing(null);
    setSilencesEpoch((n) => n + 1);
    go('silences');
    setNotice(`Silence ${id} saved.`);
  };

  const search = query.get('q') ?? '';
  const state = query.get('state') ?? '';
  return (
    <>
      <TopBar title="Alerting" />
      <main class="page al-page">
        <div class="al-tabs" role="tablist" aria-label="Alerting views">
          {TABS.map(([t, title], i) => (
            <button
              key={t}
              ref={(el) => {
                tabRefs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={`al-tab-${t}`}
              aria-selected={tab === t}
              aria-controls="al-tabpanel"
              tabIndex={tab === t ? 0 : -1}
              onClick={() => go(t)}
              onKeyDown={(e) => onTabKey(e, i)}
            >
              {title}
            </button>
          ))}
        </div>
        <div id="al-tabpanel" role="tabpanel" aria-labelledby={`al-tab-${tab}`} class="al-panel">
          {notice && (
            <div class="banner al-notice" role="status">
              {notice}
            </div>
          )}
          {tab === 'rules' && <RulesTab search={search} state={state as RuleFilter} onFilter={(q, s) => filter({ q, state: s })} now={now} />}
          {tab === 'alerts' && (
            <AlertsTab search={search} state={state as '' | AlertDisplayState} onFilter={(q, s) => filter({ q, state: s })} canEdit={editor} onSilence={openFromAlert} now={now} />
          )}
          {tab === 'silences' && (
            <SilencesTab key={silencesEpoch} search={search} onSearch={(q) => filter({ q })} canEdit={editor} onNew={openNew} onEdit={openEdit} onNotice={setNotice} now={now} />
          )}
          {tab === 'outbox' && (
            <OutboxTab
              status={(query.get('status') ?? '') as '' | OutboxStatus}
              receiver={query.get('receiver') ?? ''}
              onFilter={(status, receiver) => filter({ status, receiver })}
              now={now}
            />
          )}
          {tab === 'history' && (
            <HistoryTab filter={{ ruleKey: query.get('ruleKey') ?? '', alertname: query.get('alertname') ?? '', instance: query.get('instance') ?? '' }} now={now} />
          )}
        </div>
      </main>
      {editing && <SilenceEditor initial={editing} timeZone={TZ} onClose={() => setEditing(null)} onSaved={onSaved} />}
    </>
  );
}

function RulesTab(props: { search: string; state: RuleFilter; onFilter(q: string, s: RuleFilter): void; now: number }) {
  const { data, error } = usePoll(alertingApi.rules, 'rules');
  return <RulesList groups={data} error={error} {...props} timeZone={TZ} />;
}

function AlertsTab(props: { search: string; state: '' | AlertDisplayState; onFilter(q: string, s: string): void; canEdit: boolean; onSilence(a: AmAlert): void; now: number }) {
  const { data, error } = usePoll(alertingApi.alerts, 'alerts');
  return <AlertsList alerts={data} error={error} {...props} timeZone={TZ} />;
}

function SilencesTab(props: { search: string; onSearch(q: string): void; canEdit: boolean; onNew(): void; onEdit(s: Silence): void; onNotice(text: string): void; now: number }) {
  const { data, error, reload } = usePoll(alertingApi.silences, 'silences');
  const [busy, setBusy] = useState<ReadonlySet<string>>(() => new Set());
  const [actionError, setActionError] = useState('');
  const expire = async (s: Silence) => {
    setBusy((b) => new Set(b).add(s.id));
    setActionError('');
    try {
      await alertingApi.expireSilence(s.id);
      props.onNotice(`Silence ${s.id} expired.`);
      reload();
    } catch (e) {
      setActionError(`Could not expire silence ${s.id}: ${e instanceof ApiError ? e.message : String(e)}`);
    } finally {
      setBusy((b) => {
        const next = new Set(b);
        next.delete(s.id);
        return next;
      });
    }
  };
  return (
    <>
      {actionError && (
        <div class="banner error" role="alert">
          {actionError}
        </div>
      )}
      <Silences silences={data} error={error} busy={busy} onExpire={expire} {...props} timeZone={TZ} />
    </>
  );
}

function OutboxTab(props: { status: '' | OutboxStatus; receiver: string; onFilter(status: '' | OutboxStatus, receiver: string): void; now: number }) {
  const { status, receiver } = props;
  const { data, error } = usePoll(() => alertingApi.outbox({ status, receiver: receiver.trim(), limit: 200 }), `outbox\u0000${status}\u0000${receiver.trim()}`);
  return <Outbox page={data} error={error} {...props} timeZone={TZ} />;
}

function HistoryTab({ filter, now }: { filter: { ruleKey: string; alertname: string; instance: string }; now: number }) {
  const key = `history\u0000${filter.ruleKey}\u0000${filter.alertname}\u0000${filter.instance}`;
  const { data, error } = usePoll(() => alertingApi.history({ ...filter, limit: 500 }), key);
  return <StateHistory items={data} error={error} filter={filter} now={now} timeZone={TZ} />;
}
