// The "Alerts" tab: the alerts the notification pipeline holds (`/api/v2/alerts`, as
// Alertmanager lists them), silenced and inhibited ones marked as such, each with a "Silence"
// action (editors) that opens the silence editor with the alert's labels as matchers.

import type { AmAlert } from '../../api/alerting';
import type { ApiError } from '../../api/client';
import { Empty, FilterBar, LabelChips, LoadError, StateBadge } from './common';
import { alertState, filterAlerts, formatTime, parseTimestamp, relative, type AlertDisplayState } from './model';

const ALERT_STATES: readonly (readonly [string, string])[] = [
  ['', 'All states'],
  ['firing', 'Firing'],
  ['silenced', 'Silenced'],
  ['inhibited', 'Inhibited'],
];

export interface AlertsListProps {
  alerts: AmAlert[] | null;
  error: ApiError | null;
  search: string;
  state: '' | AlertDisplayState;
  onFilter(search: string, state: string): void;
  canEdit: boolean;
  onSilence(alert: AmAlert): void;
  now: number;
  timeZone?: string;
}

export function AlertsList({ alerts, error, search, state, onFilter, canEdit, onSilence, now, timeZone }: AlertsListProps) {
  const shown = alerts ? filterAlerts(alerts, search, state) : [];
  return (
    <>
      <FilterBar
        id="alerts"
        search={search}
        searchLabel="Search alerts by label or annotation"
        placeholder="Search by label (site=north) or text"
        onSearch={(t) => onFilter(t, state)}
        state={state}
        states={ALERT_STATES}
        onState={(s) => onFilter(search, s)}
      />
      {error && <LoadError error={error} what="the alerts" />}
      {!alerts && !error && <p class="muted">Loading…</p>}
      {alerts && alerts.length === 0 && (
        <Empty>
          No alert is firing. Alerts appear here when a rule's condition has held for its <code>for</code> duration; see the
          rules' states in the <a href="/alerting?tab=rules">Alert rules</a> tab.
        </Empty>
      )}
      {alerts && alerts.length > 0 && shown.length === 0 && <Empty>No alert matches these filters.</Empty>}
      {shown.length > 0 && (
        <table class="al-table" aria-label="Alerts">
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Alert</th>
              <th scope="col">Since</th>
              <th scope="col">Receivers</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((a) => (
              <AlertRow key={a.fingerprint || JSON.stringify(a.labels)} alert={a} canEdit={canEdit} onSilence={onSilence} now={now} timeZone={timeZone} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export function AlertRow({ alert: a, canEdit, onSilence, now, timeZone }: { alert: AmAlert; canEdit: boolean; onSilence(a: AmAlert): void; now: number; timeZone?: string }) {
  const st = alertState(a);
  const name = a.labels.alertname ?? '(no alertname)';
  const summary = a.annotations.summary ?? a.annotations.description ?? '';
  const since = parseTimestamp(a.startsAt);
  return (
    <tr data-state={st} data-alertname={name}>
      <td>
        <StateBadge state={st} />
      </td>
      <td>
        <div class="al-alert-name">{name}</div>
        <LabelChips labels={a.labels} omit={['alertname']} />
        {summary && <div class="al-summary">{summary}</div>}
        {st === 'silenced' && a.status.silencedBy.length > 0 && (
          <div class="muted">
            Silenced by{' '}
            {a.status.silencedBy.map((id, i) => (
              <span key={id}>
                {i > 0 && ', '}
                <a href={`/alerting?tab=silences&q=${encodeURIComponent(id)}`}>{id.slice(0, 8)}</a>
              </span>
            ))}
          </div>
        )}
        {st === 'inhibited' && <div class="muted">Inhibited by {a.status.inhibitedBy.length} firing alert(s)</div>}
      </td>
      <td title={formatTime(since, timeZone)}>{relative(since, now)}</td>
      <td>{a.receivers.map((r) => r.name).join(', ') || <span class="muted">none</span>}</td>
      <td class="actions">
        {canEdit && st !== 'silenced' && (
          <button type="button" onClick={() => onSilence(a)} aria-label={`Silence ${name} ${Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`}>
            Silence
          </button>
        )}
      </td>
    </tr>
  );
}
