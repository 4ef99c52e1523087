// The "Silences" tab: active, pending and expired silences (as Alertmanager keeps them), with
// "New silence", "Edit", "Expire" and "Recreate" for editors.

import type { ComponentChildren } from 'preact';
import type { Silence, SilenceState } from '../../api/alerting';
import type { ApiError } from '../../api/client';
import { Empty, FilterBar, LoadError, StateBadge } from './common';
import { formatMatcher, formatTime, groupSilences, parseTimestamp, relative } from './model';

export interface SilencesProps {
  silences: Silence[] | null;
  error: ApiError | null;
  search: string;
  onSearch(text: string): void;
  canEdit: boolean;
  onNew(): void;
  onEdit(s: Silence): void;
  onExpire(s: Silence): void;
  /** Ids being expired (their button is disabled). */
  busy: ReadonlySet<string>;
  now: number;
  timeZone?: string;
}

const SECTIONS: readonly (readonly [SilenceState, string])[] = [
  ['active', 'Active'],
  ['pending', 'Pending'],
  ['expired', 'Expired'],
];

export function Silences(props: SilencesProps) {
  const { silences, error, search, onSearch, canEdit, onNew } = props;
  const groups = silences ? groupSilences(silences, search) : null;
  return (
    <>
      <FilterBar id="silences" search={search} searchLabel="Search silences" placeholder="Search by matcher, comment, author or id" onSearch={onSearch}>
        {canEdit ? (
          <button type="button" class="primary" onClick={onNew}>
            New silence
          </button>
        ) : (
          <span class="muted al-readonly">Sign in as an editor to create or expire silences.</span>
        )}
      </FilterBar>
      {error && <LoadError error={error} what="the silences" />}
      {!silences && !error && <p class="muted">Loading…</p>}
      {silences && silences.length === 0 && (
        <Empty>
          No silences. A silence mutes the notifications of the alerts it matches for a while:{' '}
          {canEdit ? 'create one with "New silence", or with "Silence" on an alert.' : 'an editor can create one.'}
        </Empty>
      )}
      {groups &&
        silences &&
        silences.length > 0 &&
        SECTIONS.map(([state, title]) => {
          const list = groups[state];
          const table = list.length > 0 ? <SilenceTable list={list} {...props} /> : <p class="muted">None.</p>;
          return state === 'expired' ? (
            <details class="al-section" key={state} open={!!search}>
              <summary>
                <h2 class="al-section-title">
                  {title} ({list.length})
                </h2>
              </summary>
              {table}
            </details>
          ) : (
            <section class="al-section" key={state} aria-label={`${title} silences`}>
              <h2 class="al-section-title">
                {title} ({list.length})
              </h2>
              {table}
            </section>
          );
        })}
    </>
  );
}

function SilenceTable({ list, canEdit, onEdit, onExpire, busy, now, timeZone }: SilencesProps & { list: Silence[] }) {
  return (
    <table class="al-table">
      <thead>
        <tr>
          <th scope="col">State</th>
          <th scope="col">Matchers</th>
          <th scope="col">Starts</th>
          <th scope="col">Ends</th>
          <th scope="col">Created by</th>
          <th scope="col">Comment</th>
          <th scope="col">
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {list.map((s) => (
          <tr key={s.id} data-silence-id={s.id} data-state={s.status.state}>
            <td>
              <StateBadge state={s.status.state} />
            </td>
            <td>
              <MatcherChips silence={s} />
            </td>
            <Time ms={parseTimestamp(s.startsAt)} now={now} timeZone={timeZone} />
            <Time ms={parseTimestamp(s.endsAt)} now={now} timeZone={timeZone} />
            <td>{s.createdBy}</td>
            <td class="al-comment">{s.comment}</td>
            <td class="actions">
              {canEdit && (
                <Actions>
                  {s.status.state !== 'expired' && (
                    <button type="button" onClick={() => onEdit(s)} aria-label={`Edit silence ${s.id}`}>
                      Edit
                    </button>
                  )}
                  {s.status.state !== 'expired' ? (
                    <button type="button" disabled={busy.has(s.id)} onClick={() => onExpire(s)} aria-label={`Expire silence ${s.id}`}>
                      Expire
                    </button>
                  ) : (
                    <button type="button" onClick={() => onEdit(s)} aria-label={`Recreate silence ${s.id}`}>
                      Recreate
                    </button>
                  )}
                </Actions>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Actions({ children }: { children: ComponentChildren }) {
  return <div class="al-actions">{children}</div>;
}

function Time({ ms, now, timeZone }: { ms: number; now: number; timeZone?: string }) {
  return (
    <td title={relative(ms, now)}>
      {formatTime(ms, timeZone)}
      <div class="muted">{relative(ms, now)}</div>
    </td>
  );
}

/** A silence's matchers as chips (`name="value"`, `name=~"re"`). */
export function MatcherChips({ silence }: { silence: Silence }) {
  return (
    <span class="al-labels">
      {silence.matchers.map((m, i) => (
        <span class="al-label" key={i}>
          {formatMatcher(m)}
        </span>
      ))}
    </span>
  );
}
