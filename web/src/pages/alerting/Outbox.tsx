// The "Outbox" tab: every notification goes through the durable outbox; this shows how many are
// pending, delivered and failed, and the latest ones with their attempts, next attempt and last
// error, filtered by status and receiver (on the server).

import type { OutboxPage, OutboxStatus } from '../../api/alerting';
import type { ApiError } from '../../api/client';
import { Empty, LoadError, StateBadge } from './common';
import { formatTime, relative } from './model';

export interface OutboxProps {
  page: OutboxPage | null;
  error: ApiError | null;
  status: '' | OutboxStatus;
  receiver: string;
  onFilter(status: '' | OutboxStatus, receiver: string): void;
  now: number;
  timeZone?: string;
}

const STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'failed'];

export function Outbox({ page, error, status, receiver, onFilter, now, timeZone }: OutboxProps) {
  return (
    <>
      <div class="search-row" role="search">
        <label class="sr-only" for="outbox-receiver">
          Filter by receiver
        </label>
        <input
          id="outbox-receiver"
          type="search"
          placeholder="Receiver name"
          value={receiver}
          onInput={(e) => onFilter(status, e.currentTarget.value)}
        />
        <label class="sr-only" for="outbox-status">
          Filter by status
        </label>
        <select id="outbox-status" value={status} onChange={(e) => onFilter(e.currentTarget.value as '' | OutboxStatus, receiver)}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s[0].toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
      </div>
      {page && (
        <div class="al-outbox-counts" role="group" aria-label="Notifications by status">
          {STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              class={`al-count al-${s}`}
              aria-pressed={status === s}
              onClick={() => onFilter(status === s ? '' : s, receiver)}
              data-count={page.counts[s]}
            >
              <span class="n">{page.counts[s]}</span> {s}
            </button>
          ))}
        </div>
      )}
      {error && <LoadError error={error} what="the notification outbox" />}
      {!page && !error && <p class="muted">Loading…</p>}
      {page && page.items.length === 0 && (
        <Empty>
          {status || receiver
            ? 'No notification matches these filters.'
            : 'Nothing sent yet. Notifications queue here when an alert fires or resolves and the route in alert-rules/alertmanager.yml sends it to a receiver (email or webhook).'}
        </Empty>
      )}
      {page && page.items.length > 0 && (
        <table class="al-table" aria-label="Notifications">
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Receiver</th>
              <th scope="col">Alerts</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Attempts
              </th>
              <th scope="col">Next attempt</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((it) => {
              const firing = it.alerts.filter((a) => a.status === 'firing').length;
              const names = [...new Set(it.alerts.map((a) => a.labels.alertname).filter(Boolean))];
              return (
                <tr key={it.id} data-status={it.status}>
                  <td title={relative(it.createdAt, now)}>{formatTime(it.createdAt, timeZone)}</td>
                  <td>
                    {it.receiver}
                    <div class="muted">{it.integration}</div>
                  </td>
                  <td>
                    {names.join(', ') || <span class="muted">-</span>}
                    <div class="muted">
                      {firing} firing, {it.alerts.length - firing} resolved
                    </div>
                  </td>
                  <td>
                    <StateBadge state={it.status} />
                    {it.deliveredAt !== null && <div class="muted">{relative(it.deliveredAt, now)}</div>}
                  </td>
                  <td class="num">{it.attempts}</td>
                  <td>{it.status === 'pending' && it.nextAttemptAt !== null ? <span title={formatTime(it.nextAttemptAt, timeZone)}>{relative(it.nextAttemptAt, now)}</span> : <span class="muted">-</span>}</td>
                  <td class="al-comment error-text">{it.lastError ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
