// User text on the alerting page (labels, annotations, comments, errors) stays text: the tabs'
// hook-free parts are rendered to HTML with a tiny serializer (Preact vnodes, escaped as the DOM
// would) and a label like `<img src=x onerror=alert(1)>` must come out escaped, with no
// `dangerouslySetInnerHTML` anywhere in the tree or in the page's sources.

import { Fragment, type ComponentChildren, type VNode } from 'preact';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AlertingRule, HistoryItem, OutboxPage, Silence } from '../../api/alerting';
import { ApiError } from '../../api/client';
import { AlertRow } from './AlertsList';
import { LabelChips, LoadError } from './common';
import { Outbox } from './Outbox';
import { RuleDetails, RuleRow } from './RulesList';
import { Silences } from './Silences';
import { StateHistory } from './StateHistory';

const XSS = '<img src=x onerror=alert(1)>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const NOW = Date.UTC(2024, 4, 1, 10, 0, 0);

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/** HTML of a vnode tree whose function components use no hooks. */
function html(node: ComponentChildren): string {
  if (node == null || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'bigint') return escapeText(String(node));
  if (Array.isArray(node)) return node.map(html).join('');
  const v = node as VNode<Record<string, unknown>>;
  const props = v.props ?? {};
  if ('dangerouslySetInnerHTML' in props) throw new Error('dangerouslySetInnerHTML used');
  if (v.type === Fragment) return html(props.children as ComponentChildren);
  if (typeof v.type === 'function') return html((v.type as (p: unknown) => ComponentChildren)(props));
  const attrs = Object.entries(props)
    .filter(([k, val]) => k !== 'children' && typeof val !== 'function' && val != null && val !== false && typeof val !== 'object')
    .map(([k, val]) => ` ${k}="${escapeAttr(String(val))}"`)
    .join('');
  return `<${v.type}${attrs}>${html(props.children as ComponentChildren)}</${v.type}>`;
}

const rule: AlertingRule = {
  type: 'alerting', name: 'TempHigh', query: `e2e_temp{site="${XSS}"}`, labels: { team: XSS }, health: 'err', lastError: XSS,
  evaluationTime: 0, lastEvaluation: '', ruleKey: 'k', duration: 60, keepFiringFor: 0, annotations: { summary: XSS, [XSS]: 'key too' },
  alerts: [{ labels: { alertname: 'TempHigh', site: XSS }, annotations: {}, state: 'firing', activeAt: '2024-05-01T09:00:00Z', value: XSS, flapping: true, instance: 'i' }],
  state: 'firing', source: 'pulsegrid', condition: XSS, clearCondition: null, noData: null,
};

function expectEscaped(out: string) {
  expect(out).toContain(ESCAPED);
  expect(out).not.toMatch(/<img/i);
}

describe('escaping of user text', () => {
  it('label chips', () => {
    const out = html(<LabelChips labels={{ site: XSS, [XSS]: 'v' }} />);
    expectEscaped(out);
    expect(out).toContain(`<span class="v">${ESCAPED}</span>`);
  });

  it('a rule: its query, condition, labels, annotations, error and instances', () => {
    const out = html(<RuleRow rule={rule} id="r" expanded={true} onToggle={() => undefined} now={NOW} timeZone="utc" />);
    expectEscaped(out);
    expect(out.split(ESCAPED).length - 1).toBeGreaterThanOrEqual(8);
    expect(out).toContain('flapping');
    expect(html(<RuleDetails rule={{ ...rule, type: 'alerting' }} now={NOW} timeZone="utc" />)).toContain('state history');
  });

  it('an alert with its summary and a silence action', () => {
    const out = html(
      <table>
        <tbody>
          <AlertRow
            alert={{
              labels: { alertname: XSS, site: XSS }, annotations: { summary: XSS }, startsAt: '2024-05-01T09:00:00Z', endsAt: '', updatedAt: '',
              fingerprint: 'f', receivers: [{ name: XSS }], status: { state: 'active', silencedBy: [], inhibitedBy: [] }, generatorURL: '',
            }}
            canEdit={true}
            onSilence={() => undefined}
            now={NOW}
          />
        </tbody>
      </table>,
    );
    expectEscaped(out);
    expect(out).toContain('Silence');
  });

  it('silences: matchers, author and comment', () => {
    const s: Silence = {
      id: 's1', status: { state: 'active' }, updatedAt: '', matchers: [{ name: 'site', value: XSS, isRegex: false, isEqual: true }],
      startsAt: '2024-05-01T09:00:00Z', endsAt: '2024-05-01T11:00:00Z', createdBy: XSS, comment: XSS,
    };
    const out = html(
      <Silences silences={[s]} error={null} search="" onSearch={() => undefined} canEdit={true} onNew={() => undefined} onEdit={() => undefined} onExpire={() => undefined} busy={new Set()} now={NOW} />,
    );
    expectEscaped(out);
    expect(out).toContain(`site="${ESCAPED}"`);
  });

  it('outbox errors, history labels and load errors', () => {
    const page: OutboxPage = {
      counts: { pending: 0, delivered: 0, failed: 1 },
      items: [{ id: '1', receiver: XSS, integration: 'webhook[0]', groupKey: XSS, status: 'failed', attempts: 3, nextAttemptAt: null, lastError: XSS, createdAt: NOW, deliveredAt: null, alerts: [{ labels: { alertname: XSS }, status: 'firing' }] }],
    };
    expectEscaped(html(<Outbox page={page} error={null} status="" receiver="" onFilter={() => undefined} now={NOW} />));
    const items: HistoryItem[] = [{ ruleKey: 'k', alertname: XSS, instance: 'i', labels: { site: XSS }, from: 'pending', to: 'firing', value: 9, at: NOW - 1000 }];
    expectEscaped(html(<StateHistory items={items} error={null} filter={{ ruleKey: '', alertname: XSS, instance: '' }} now={NOW} />));
    expectEscaped(html(<LoadError error={new ApiError(500, XSS)} what="the rules" />));
  });

  it('no source of the page sets inner HTML', () => {
    const dir = new URL('.', import.meta.url).pathname;
    const sources = readdirSync(dir).filter((n) => /\.tsx?$/.test(n) && !/\.test\.tsx?$/.test(n));
    expect(sources.length).toBeGreaterThanOrEqual(8);
    for (const f of sources) {
      expect(readFileSync(`${dir}${f}`, 'utf8'), f).not.toMatch(/dangerouslySetInnerHTML|innerHTML/);
    }
  });
});

describe('viewers', () => {
  it('see no write action', () => {
    const s: Silence = {
      id: 's1', status: { state: 'active' }, updatedAt: '', matchers: [{ name: 'a', value: 'b', isRegex: false, isEqual: true }],
      startsAt: '2024-05-01T09:00:00Z', endsAt: '2024-05-01T11:00:00Z', createdBy: 'me', comment: 'c',
    };
    const out = html(
      <Silences silences={[s]} error={null} search="" onSearch={() => undefined} canEdit={false} onNew={() => undefined} onEdit={() => undefined} onExpire={() => undefined} busy={new Set()} now={NOW} />,
    );
    expect(out).not.toContain('<button');
    expect(out).not.toMatch(/New silence|>Expire<|>Edit<|>Recreate</);
    expect(out).toContain('Sign in as an editor');
    const alertRow = html(
      <AlertRow
        alert={{ labels: { alertname: 'A' }, annotations: {}, startsAt: '', endsAt: '', updatedAt: '', fingerprint: 'f', receivers: [], status: { state: 'active', silencedBy: [], inhibitedBy: [] }, generatorURL: '' }}
        canEdit={false}
        onSilence={() => undefined}
        now={NOW}
      />,
    );
    expect(alertRow).not.toContain('<button');
  });
});
