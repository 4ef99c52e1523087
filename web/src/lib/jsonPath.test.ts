import { describe, expect, it } from 'vitest';
import { lineOfPath, splitPath, syntaxErrorLocation } from './jsonPath';

const doc = JSON.stringify(
  { title: 'x', panels: [{ id: 1, gridPos: { x: 0, w: 'wide' } }, { id: 2, targets: [{ expr: 'up' }] }], 'a.b': 1 },
  null,
  2,
);

describe('jsonPath', () => {
  it('splits paths', () => {
    expect(splitPath('panels[0].gridPos.w')).toEqual(['panels', 0, 'gridPos', 'w']);
    expect(splitPath('["a.b"]')).toEqual(['a.b']);
  });

  it('finds the line of a nested value', () => {
    const lines = doc.split('\n');
    const at = (n: number | null) => (n === null ? null : lines[n - 1].trim());
    expect(at(lineOfPath(doc, 'panels[0].gridPos.w'))).toBe('"w": "wide"');
    expect(at(lineOfPath(doc, 'panels[1].targets[0].expr'))).toBe('"expr": "up"');
    expect(at(lineOfPath(doc, 'title'))).toBe('"title": "x",');
    expect(at(lineOfPath(doc, '["a.b"]'))).toBe('"a.b": 1');
  });

  it('falls back to the deepest parent of a missing field', () => {
    const lines = doc.split('\n');
    const n = lineOfPath(doc, 'panels[1].gridPos');
    expect(lines[(n ?? 1) - 1].trim()).toBe('{');
    expect(n).toBeGreaterThan(lineOfPath(doc, 'panels[0].gridPos.w') ?? 0);
  });

  it('returns null for text that is not JSON', () => {
    expect(lineOfPath('{', 'a')).toBeNull();
  });

  it('locates syntax errors', () => {
    expect(syntaxErrorLocation('{\n  "a": 1,\n  "b": }')).toMatchObject({ line: 3, column: 8 });
    expect(syntaxErrorLocation('{\n  "a": 1\n  "b": 2}')).toMatchObject({ line: 3, column: 3 });
    expect(syntaxErrorLocation('[1, 2,]')).toMatchObject({ line: 1, column: 7 });
    expect(syntaxErrorLocation('{"a": 1}')).toBeNull();
  });
});
