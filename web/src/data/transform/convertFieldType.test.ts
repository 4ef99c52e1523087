import { describe, expect, it } from 'vitest';
import { convertFieldType, formatTime } from './convertFieldType';
import { table } from './testFrames';

describe('convertFieldType', () => {
  const f = table({
    Time: ['time', [Date.UTC(2024, 0, 2, 3, 4, 5)]],
    version: ['string', ['1.25']],
    created: ['string', ['2024-01-02T03:04:05Z']],
    ready: ['string', ['true']],
  });
  const conv = (targetField: string, destinationType: string, dateFormat?: string) =>
    convertFieldType([f], { conversions: [{ targetField, destinationType, dateFormat }] })[0].fields.find((x) => x.name === targetField);

  it('to number, time, boolean', () => {
    expect(conv('version', 'number')).toMatchObject({ type: 'number', values: [1.25] });
    expect(conv('created', 'time')).toMatchObject({ type: 'time', values: [Date.UTC(2024, 0, 2, 3, 4, 5)] });
    expect(conv('ready', 'boolean')).toMatchObject({ type: 'boolean', values: [true] });
  });

  it('time to string with a date format (local time)', () => {
    const expected = formatTime(Date.UTC(2024, 0, 2, 3, 4, 5), 'YYYY-MM-DD');
    expect(conv('Time', 'string', 'YYYY-MM-DD')).toMatchObject({ type: 'string', values: [expected] });
    expect(expected).toMatch(/^2024-01-0[12]$/);
  });

  it('unparsable numbers become null; no conversions: unchanged', () => {
    const g = table({ v: ['string', ['n/a', '', '7']] });
    expect(convertFieldType([g], { conversions: [{ targetField: 'v', destinationType: 'number' }] })[0].fields[0].values).toEqual([null, null, 7]);
    expect(convertFieldType([g], {})).toEqual([g]);
  });
});
