// Tests of dashboard regex parsing (`/.../flags` or anchored bare patterns) and escaping.

import { describe, expect, it } from 'vitest';
import { escapeRegex, parseRegex } from './regex';

describe('parseRegex', () => {
  it.each<[string, string, boolean]>([
    ['/^a.c$/', 'abc', true],
    ['/ABC/i', 'xabcx', true],
    ['abc', 'xabcx', false],
    ['abc', 'abc', true],
    ['a|b', 'b', true],
    ['/a\\/b/', 'a/b', true],
  ])('%s on %s -> %s', (pattern, text, matches) => {
    expect(parseRegex(pattern)?.test(text)).toBe(matches);
  });

  it('keeps flags and rejects bad patterns', () => {
    expect(parseRegex('/x/g')?.flags).toBe('g');
    expect(parseRegex('(')).toBeNull();
  });
});

describe('escapeRegex', () => {
  it('makes every metacharacter literal', () => {
    const text = 'a.b*c+d?(e)[f]{g}|h^i$j\\k/l';
    expect(escapeRegex(text)).toBe('a\\.b\\*c\\+d\\?\\(e\\)\\[f\\]\\{g\\}\\|h\\^i\\$j\\\\k\\/l');
    expect(new RegExp(`^${escapeRegex(text)}$`).test(text)).toBe(true);
  });
});
