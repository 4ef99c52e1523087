import { describe, expect, it } from 'vitest';
import { displayName } from '../frame';
import { renameByRegex } from './renameByRegex';
import { cpu } from './testFrames';

describe('renameByRegex', () => {
  it('rewrites matching display names through config.displayName', () => {
    const out = renameByRegex(cpu(), { regex: '.*mode="(.*)".*', renamePattern: 'cpu $1' });
    expect(out.map((f) => displayName(f.fields[1], f))).toEqual(['cpu idle', 'cpu user']);
    expect(out[0].fields[0].config.displayName).toBeUndefined();
  });

  it('a plain regex is anchored; an invalid one changes nothing', () => {
    const frames = cpu();
    expect(renameByRegex(frames, { regex: 'mode', renamePattern: 'x' })[0].fields[1].config.displayName).toBeUndefined();
    expect(renameByRegex(frames, { regex: '/(/', renamePattern: 'x' })).toBe(frames);
  });
});
