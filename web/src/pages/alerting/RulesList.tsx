// The "Alert rules" tab: rules by file and group with their state and health; a rule expands to
// its definition (query, condition, labels, annotations) and its alert instances, each linking
// to its state history.

import { useState } from 'preact/hooks';
import type { AlertingRule, Rule, RuleGroup } from '../../api/alerting';
import type { ApiError } from '../../api/client';
import { Annotations, Empty, FilterBar, LabelChips, LoadError, StateBadge } from './common';
import {
  filterRuleFiles, formatEvaluationTime, formatSeconds, formatTime, formatValue, historyHref, labelsText, parseTimestamp, relative, ruleCounts,
  sortedInstances, type RuleFilter,
} from './model';

const RULE_STATES: readonly (readonly [RuleFilter, string])[] = [
  ['', 'All states'],
  ['firing', 'Firing'],
  ['pending', 'Pending'],
  ['inactive', 'Normal'],
  ['error', 'Error (unhealthy)'],
];

export interface RulesListProps {
  groups: RuleGroup[] | null;
  error: ApiError | null;
  search: string;
  state: RuleFilter;
  onFilter(search: string, state: RuleFilter): void;
  now: number;
  timeZone?: string;
}

export function RulesList({ groups, error, search, state, onFilter, now, timeZone }: RulesListProps) {
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (key: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const files = groups ? filterRuleFiles(groups, search, state) : [];
  const counts = groups ? ruleCounts(groups) : null;

  return (
    <>
      <FilterBar
        id="rules"
        search={search}
        searchLabel="Search rules by name, label or query"
        placeholder="Search by name or label (severity=critical)"
        onSearch={(t) => onFilter(t, state)}
        state={state}
        states={RULE_STATES}
        onState={(s) => onFilter(search, s as RuleFilter)}
      >
        {counts && (
          <p class="al-counts muted" aria-live="polite">
            {counts.total} rules: <b class="al-c-firing">{counts.firing} firing</b>, <b class="al-c-pending">{counts.pending} pending</b>
            {counts.error > 0 && (
              <>
                , <b class="al-c-error">{counts.error} with errors</b>
              </>
            )}
          </p>
        )}
      </FilterBar>
      {error && <LoadError error={error} what="the alert rules" />}
      {!groups && !error && <p class="muted">Loading…</p>}
      {groups && groups.length === 0 && (
        <Empty>
          No alert rules: put rule files (<code>*.yml</code>, Prometheus or Pulsegrid rules) in <code>alert-rules/</code> (or the
          directory in <code>PULSEGRID_RULES_DIR</code>); they are loaded at start and on change. Check them with{' '}
          <code>pulsegrid check rules alert-rules/</code>.
        </Empty>
      )}
      {groups && groups.length > 0 && files.length === 0 && <Empty>No rule matches these filters.</Empty>}
      {files.map((f) => (
        <section class="al-file" key={f.file} aria-label={`Rule file ${f.file}`}>
          <h2 class="al-file-title">{f.file || 'rules'}</h2>
          {f.groups.map((g) => (
            <div class="al-group" key={g.name}>
              <h3 class="al-group-title">
                {g.name}
                <span class="muted">
                  {g.interval ? ` every ${formatSeconds(g.interval)}` : ''}
                  {parseTimestamp(g.lastEvaluation) ? ` · evaluated ${relative(parseTimestamp(g.lastEvaluation), now)}` : ''}
                </span>
              </h3>
              <ul class="al-rules">
                {g.rules.map((r) => {
                  const key = `${f.file}\u0000${g.name}\u0000${r.ruleKey || r.name}`;
                  return (
                    <RuleRow key={key} rule={r} id={`rule-${hash(key)}`} expanded={open.has(key)} onToggle={() => toggle(key)} now={now} timeZone={timeZone} />
                  );
                })}
              </ul>
            </div>
          ))}
        </section>
      ))}
    </>
  );
}

/** A short stable id for DOM ids (aria-controls). */
function hash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

/** One rule: its head line, its error, and, expanded, its details. */
export function RuleRow(props: { rule: Rule; id: string; expanded: boolean; onToggle(): void; now: number; timeZone?: string }) {
  const { rule: r, id, expanded, onToggle } = props;
  const alerting = r.type === 'alerting';
  return (
    <li class={`al-rule${expanded ? ' open' : ''}`} data-rule={r.name}>
      <div class="al-rule-head">
        <button type="button" class="al-expand" aria-expanded={expanded} aria-controls={id} onClick={onToggle}>
          <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> {r.name}
        </button>
        {alerting ? <StateBadge state={r.state} /> : <StateBadge state="recording" />}
        {r.health === 'err' && <StateBadge state="err" title={r.lastError} />}
        {alerting && r.alerts.length > 0 && (
          <span class="muted">
            {r.alerts.length} instance{r.alerts.length > 1 ? 's' : ''}
          </span>
        )}
        <span class="spacer" />
        {alerting && r.duration > 0 && <span class="muted">for {formatSeconds(r.duration)}</span>}
      </div>
      {r.health === 'err' && r.lastError && (
        <p class="al-rule-error error-text" role="note">
          {r.lastError}
        </p>
      )}
      {expanded && (
        <div id={id} class="al-rule-body">
          <RuleDetails rule={r} now={props.now} timeZone={props.timeZone} />
        </div>
      )}
    </li>
  );
}

/** A rule's definition and, for an alerting rule, its instances. */
export function RuleDetails({ rule: r, now, timeZone }: { rule: Rule; now: number; timeZone?: string }) {
  return (
    <>
      <dl class="al-def">
        <div>
          <dt>Query</dt>
          <dd>
            <code class="al-query">{r.query}</code>
          </dd>
        </div>
        {r.type === 'alerting' && r.source && (
          <div>
            <dt>Source</dt>
            <dd>{r.source}</dd>
          </div>
        )}
        {r.type === 'alerting' && r.condition && (
          <div>
            <dt>Condition</dt>
            <dd>
              <code>{r.condition}</code>
              {r.clearCondition && (
                <>
                  {' '}
                  (clears when <code>{r.clearCondition}</code>)
                </>
              )}
            </dd>
          </div>
        )}
        {r.type === 'alerting' && (
          <div>
            <dt>Pending for</dt>
            <dd>
              {formatSeconds(r.duration)}
              {r.keepFiringFor > 0 && `, keeps firing for ${formatSeconds(r.keepFiringFor)}`}
              {r.noData && `, no data: ${r.noData}`}
            </dd>
          </div>
        )}
        <div>
          <dt>Labels</dt>
          <dd>
            <LabelChips labels={r.labels} />
          </dd>
        </div>
        {r.type === 'alerting' && (
          <div>
            <dt>Annotations</dt>
            <dd>
              <Annotations annotations={r.annotations} />
            </dd>
          </div>
        )}
        <div>
          <dt>Evaluated</dt>
          <dd>
            {relative(parseTimestamp(r.lastEvaluation), now)}
            {r.evaluationTime > 0 && ` in ${formatEvaluationTime(r.evaluationTime)}`}
            {' · '}
            <a href={historyHref({ ruleKey: r.ruleKey, alertname: r.name })}>state history</a>
          </dd>
        </div>
      </dl>
      {r.type === 'alerting' && <Instances rule={r} now={now} timeZone={timeZone} />}
    </>
  );
}

/** The firing and pending instances of an alerting rule. */
export function Instances({ rule, now, timeZone }: { rule: AlertingRule; now: number; timeZone?: string }) {
  if (rule.alerts.length === 0) return <p class="muted">No active instance: the condition holds for no series.</p>;
  return (
    <table class="al-table" aria-label={`Instances of ${rule.name}`}>
      <thead>
        <tr>
          <th scope="col">State</th>
          <th scope="col">Labels</th>
          <th scope="col">Value</th>
          <th scope="col">Active since</th>
          <th scope="col">
            <span class="sr-only">History</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sortedInstances(rule).map((a) => {
          const since = parseTimestamp(a.activeAt);
          return (
            <tr key={a.instance || labelsText(a.labels)} data-state={a.state}>
              <td>
                <StateBadge state={a.state} />
                {a.flapping && (
                  <span class="al-flapping" title="Flapping: it changed state often lately">
                    flapping
                  </span>
                )}
              </td>
              <td>
                <LabelChips labels={a.labels} />
              </td>
              <td class="num">{formatValue(a.value)}</td>
              <td title={formatTime(since, timeZone)}>{relative(since, now)}</td>
              <td>
                <a href={historyHref({ ruleKey: rule.ruleKey, alertname: rule.name, instance: a.instance })} aria-label={`State history of ${rule.name} ${labelsText(a.labels)}`}>
                  History
                </a>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
