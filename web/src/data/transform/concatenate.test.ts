import { describe, expect, it } from 'vitest';
import { concatenate } from './concatenate';
import { names, table } from './testFrames';

describe('concatenate', () => {
  const a = table({ Time: ['time', [1, 2]], Value: ['number', [1, 2]] }, 'A', 'up');
  const b = table({ host: ['string', ['x']] }, 'B', 'hosts');
  it('field mode (default) prefixes with the frame name and pads with nulls', () => {
    const [out] = concatenate([a, b], {});
    expect(names(out)).toEqual(['up · Time', 'up', 'hosts · host']);
    expect(out.fields[2].values).toEqual(['x', null]);
    expect(out.length).toBe(2);
  });
  it('label and drop modes', () => {
    expect(concatenate([a, b], { frameNameMode: 'label' })[0].fields[1].labels).toEqual({ frame: 'up' });
    expect(names(concatenate([a, b], { frameNameMode: 'drop' })[0])).toEqual(['Time', 'Value', 'host']);
  });
});
