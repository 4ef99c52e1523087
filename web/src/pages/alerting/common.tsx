// Small pieces the alerting tabs share: state badges, label chips, annotation lists, empty
// states and error banners. None holds state or uses hooks, so tests can render them directly.
// Every piece of user text (labels, annotations, errors) is a text child: Preact escapes it.

import type { ComponentChildren } from 'preact';
import type { ApiError } from '../../api/client';
import type { LabelSet } from '../../api/alerting';
import { sortedLabels } from './model';
import { describeError } from './usePoll';

const STATE_TITLES: Record<string, string> = {
  firing: 'Firing',
  pending: 'Pending',
  inactive: 'Normal',
  nodata: 'No data',
  error: 'Error',
  silenced: 'Silenced',
  inhibited: 'Inhibited',
  unprocessed: 'Unprocessed',
  active: 'Active',
  expired: 'Expired',
  delivered: 'Delivered',
  failed: 'Failed',
  resolved: 'Resolved',
  recording: 'Recording',
  err: 'Error',
  unknown: 'Unknown',
};

/** The words a state reads as. */
export function stateTitle(state: string): string {
  return STATE_TITLES[state] ?? state;
}

/** A colored badge for a state (`firing`, `pending`, `silenced`, `failed`...). */
export function StateBadge({ state, title }: { state: string; title?: string }) {
  return (
    <span class={`al-badge al-${state}`} title={title} data-state={state}>
      {stateTitle(state)}
    </span>
  );
}

/** Internal annotations that link a rule to a dashboard panel (Grafana's). */
export const PANEL_LINK_KEYS = ['__dashboardUid__', '__panelId__'];

/** Label chips: `name=value`, alertname first. */
export function LabelChips({ labels, omit = [] }: { labels: LabelSet; omit?: readonly string[] }) {
  const pairs = sortedLabels(labels).filter(([k]) => !omit.includes(k));
  if (pairs.length === 0) return <span class="muted">no labels</span>;
  return (
    <span class="al-labels">
      {pairs.map(([k, v]) => (
        <span class="al-label" key={k}>
          <span class="k">{k}</span>=<span class="v">{v}</span>
        </span>
      ))}
    </span>
  );
}

/** Annotations as a definition list (values keep their line breaks); panel links as links. */
export function Annotations({ annotations }: { annotations: LabelSet }) {
  const entries = Object.entries(annotations).filter(([k]) => !PANEL_LINK_KEYS.includes(k));
  const uid = annotations.__dashboardUid__;
  const panelId = annotations.__panelId__;
  if (entries.length === 0 && !uid) return <span class="muted">none</span>;
  return (
    <dl class="al-annotations">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      {uid && (
        <div>
          <dt>panel</dt>
          <dd>
            <a href={`/d/${encodeURIComponent(uid)}`}>
              dashboard {uid}
              {panelId ? `, panel ${panelId}` : ''}
            </a>
          </dd>
        </div>
      )}
    </dl>
  );
}

/** What an empty list says: what it would hold and how to get there. */
export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="al-empty muted">{children}</p>;
}

/** A failed load, said in words (sign-in link on 401). */
export function LoadError({ error, what }: { error: ApiError; what: string }) {
  return (
    <div class="banner error" role="alert">
      {describeError(error, what)}{' '}
      {error.status === 401 && <a href={`/login?next=${encodeURIComponent('/alerting')}`}>Sign in</a>}
    </div>
  );
}

/** A filter row: a search box and a state select, labelled for screen readers. */
export function FilterBar(props: {
  id: string;
  search: string;
  searchLabel: string;
  placeholder: string;
  onSearch(text: string): void;
  state?: string;
  states?: readonly (readonly [string, string])[];
  onState?(state: string): void;
  children?: ComponentChildren;
}) {
  return (
    <div class="search-row" role="search">
      <label class="sr-only" for={`${props.id}-search`}>
        {props.searchLabel}
      </label>
      <input
        id={`${props.id}-search`}
        type="search"
        placeholder={props.placeholder}
        value={props.search}
        onInput={(e) => props.onSearch(e.currentTarget.value)}
      />
      {props.states && props.onState && (
        <>
          <label class="sr-only" for={`${props.id}-state`}>
            Filter by state
          </label>
          <select id={`${props.id}-state`} value={props.state ?? ''} onChange={(e) => props.onState?.(e.currentTarget.value)}>
            {props.states.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </>
      )}
      {props.children}
    </div>
  );
}
