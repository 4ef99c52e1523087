import { describe, expect, it } from 'vitest';
import { displayName } from '../frame';
import { organize } from './organize';
import { table, volumes } from './testFrames';

describe('organize', () => {
  it('excludes, reorders and renames by display name (kube_pod_info table)', () => {
    const f = table({
      Time: ['time', [1]],
      node: ['string', ['n1']],
      pod: ['string', ['api-1']],
      namespace: ['string', ['prod']],
      Value: ['number', [1]],
    });
    const [out] = organize([f], {
      excludeByName: { Time: true, Value: true, node: false },
      indexByName: { pod: 0, namespace: 1, node: 2 },
      renameByName: { pod: 'Pod', namespace: '' },
    });
    expect(out.fields.map((x) => displayName(x, out))).toEqual(['Pod', 'namespace', 'node']);
    expect(out.fields[0].name).toBe('pod'); // renamed through config.displayName, as Grafana does
  });

  it('fields missing from indexByName keep their order after the indexed ones', () => {
    const [out] = organize([volumes()[0]], { indexByName: { 'Value #A': 0 } });
    expect(out.fields.map((f) => f.name)).toEqual(['Value #A', 'Time', 'namespace', 'persistentvolumeclaim']);
  });

  it('drops frames left without fields; empty options change nothing', () => {
    const f = table({ Time: ['time', [1]] });
    expect(organize([f], { excludeByName: { Time: true } })).toEqual([]);
    expect(organize([f], {})).toEqual([f]);
  });
});
