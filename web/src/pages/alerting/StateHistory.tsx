// The "History" tab: state transitions of alert instances (newest first), for one rule or
// instance when the URL names it (the rules tab links here), with a state timeline per instance.

import type { HistoryItem } from '../../api/alerting';
import type { ApiError } from '../../api/client';
import { Empty, LabelChips, LoadError, StateBadge, stateTitle } from './common';
import { formatTime, formatValue, historySegments, labelsText, relative } from './model';

export interface HistoryFilter {
  ruleKey: string;
  alertname: string;
  instance: string;
}

export interface StateHistoryProps {
  items: HistoryItem[] | null;
  error: ApiError | null;
  filter: HistoryFilter;
  now: number;
  timeZone?: string;
}

/** How many instances get a timeline. */
const MAX_TIMELINES = 20;

export function StateHistory({ items, error, filter, now, timeZone }: StateHistoryProps) {
  const scoped = !!(filter.ruleKey || filter.alertname || filter.instance);
  return (
    <>
      <p class="al-history-scope">
        {scoped ? (
          <>
            State history of <b>{filter.alertname || filter.ruleKey}</b>
            {filter.instance && <span class="muted"> (instance {filter.instance})</span>}.{' '}
            <a href="/alerting?tab=history">All rules</a> · <a href="/alerting?tab=rules">Back to the rules</a>
          </>
        ) : (
          <span class="muted">The latest state changes of every rule. A rule's instances link to their own history.</span>
        )}
      </p>
      {error && <LoadError error={error} what="the state history" />}
      {!items && !error && <p class="muted">Loading…</p>}
      {items && items.length === 0 && <Empty>No state change recorded{scoped ? ' for this alert' : ''} yet: transitions appear when a rule's instances go pending, firing or back to normal.</Empty>}
      {items && items.length > 0 && <Timelines items={items} now={now} timeZone={timeZone} />}
      {items && items.length > 0 && (
        <table class="al-table" aria-label="State changes">
          <thead>
            <tr>
              <th scope="col">Time</th>
              {!filter.instance && <th scope="col">Alert</th>}
              <th scope="col">Change</th>
              <th scope="col" class="num">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((h, i) => (
              <tr key={`${h.instance}-${h.at}-${i}`} data-to={h.to}>
                <td title={relative(h.at, now)}>{formatTime(h.at, timeZone)}</td>
                {!filter.instance && (
                  <td>
                    <div class="al-alert-name">{h.alertname}</div>
                    <LabelChips labels={h.labels} omit={['alertname']} />
                  </td>
                )}
                <td>
                  <StateBadge state={h.from} /> <span aria-hidden="true">→</span>
                  <span class="sr-only">to</span> <StateBadge state={h.to} />
                </td>
                <td class="num">{formatValue(h.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The shortest window a timeline shows. */
const MIN_WINDOW_MS = 5 * 60_000;

function withoutName(labels: Record<string, string>): Record<string, string> {
  const { alertname: _drop, ...rest } = labels;
  return rest;
}

/** One state timeline per instance, from a little before the oldest transition shown to now. */
function Timelines({ items, now, timeZone }: { items: HistoryItem[]; now: number; timeZone?: string }) {
  const oldest = items.reduce((m, h) => Math.min(m, h.at), now);
  const from = now - Math.max(MIN_WINDOW_MS, (now - oldest) * 1.1);
  const byInstance = new Map<string, HistoryItem[]>();
  for (const h of items) {
    const key = h.instance || labelsText(h.labels);
    const list = byInstance.get(key) ?? [];
    list.push(h);
    byInstance.set(key, list);
  }
  const rows = [...byInstance.entries()].slice(0, MAX_TIMELINES);
  const span = now - from;
  return (
    <figure class="al-timelines">
      <figcaption class="muted">
        {formatTime(from, timeZone)} to now
      </figcaption>
      {rows.map(([key, list]) => (
        <div class="al-timeline-row" key={key}>
          <div class="al-timeline-label" title={labelsText(list[0].labels)}>
            {list[0].alertname} <span class="muted">{Object.keys(withoutName(list[0].labels)).length ? labelsText(withoutName(list[0].labels)) : ''}</span>
          </div>
          <div class="al-timeline" role="img" aria-label={`States of ${list[0].alertname} ${labelsText(list[0].labels)}`}>
            {historySegments(list, from, now).map((s) => (
              <span
                key={s.start}
                class={`al-seg al-${s.state}`}
                style={{ left: `${((s.start - from) / span) * 100}%`, width: `${((s.end - s.start) / span) * 100}%` }}
                title={`${stateTitle(s.state)} from ${formatTime(s.start, timeZone)} to ${s.end >= now ? 'now' : formatTime(s.end, timeZone)}${s.value !== null ? `, value ${formatValue(s.value)}` : ''}`}
              />
            ))}
          </div>
        </div>
      ))}
      {byInstance.size > MAX_TIMELINES && <p class="muted">and {byInstance.size - MAX_TIMELINES} more instances</p>}
    </figure>
  );
}
