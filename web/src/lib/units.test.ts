// Table tests of unit formatting against what Grafana shows for the same value, unit and decimals.

import { describe, expect, it } from 'vitest';
import { formatValue, formattedToString, unitOptions } from './units';
import { autoDecimals, relativePhrase, toFixed } from './unitFormats';

const fmt = (value: number | null | undefined, unit?: string, decimals?: number | null): string =>
  formattedToString(formatValue(value, unit, decimals, { timeZone: 'utc', now: Date.UTC(2024, 0, 2, 12) }));

describe('toFixed with automatic decimals', () => {
  it.each([
    [0, '0'],
    [1, '1'],
    [1.5, '1.50'],
    [3.14159, '3.14'],
    [12.345, '12.3'],
    [123.456, '123'],
    [0.012345, '0.0123'],
    [-2.5, '-2.50'],
    [1e21, '1e+21'],
    [NaN, 'NaN'],
  ])('%s -> %s', (value, text) => {
    expect(toFixed(value)).toBe(text);
  });

  it.each([
    [1.005, 2, '1.00'],
    [2, 2, '2.00'],
    [1234.5678, 0, '1235'],
    [0.1, 3, '0.100'],
  ])('%s with %s decimals -> %s', (value, decimals, text) => {
    expect(toFixed(value, decimals)).toBe(text);
  });

  it('gives integers no decimals and fractions about three significant digits', () => {
    expect([autoDecimals(42), autoDecimals(4.2), autoDecimals(0.42), autoDecimals(420.5)]).toEqual([0, 2, 3, 0]);
  });
});

describe('formatValue', () => {
  it.each([
    // value, unit, decimals, expected
    [null, 'short', undefined, ''],
    [undefined, 'bytes', undefined, ''],
    [NaN, 'bytes', undefined, 'NaN'],
    [Infinity, 's', undefined, '∞'],
    [42, undefined, undefined, '42'],
    [42.123, 'none', undefined, '42.1'],
    [999, 'short', undefined, '999'],
    [1500, 'short', undefined, '1.50 K'],
    [1e6, 'short', undefined, '1 Mil'],
    [2.5e9, 'short', 1, '2.5 Bil'],
    [3e12, 'short', undefined, '3 Tri'],
    [-1500, 'short', undefined, '-1.50 K'],
    [50, 'percent', undefined, '50%'],
    [0.5, 'percentunit', undefined, '50%'],
    [0.123, 'percentunit', undefined, '12.3%'],
    [40, 'humidity', undefined, '40 %H'],
    [3, 'dB', undefined, '3 dB'],
    [0, 'bytes', undefined, '0 B'],
    [1023, 'bytes', undefined, '1023 B'],
    [1024, 'bytes', undefined, '1 KiB'],
    [1536, 'bytes', undefined, '1.50 KiB'],
    [1048576, 'bytes', undefined, '1 MiB'],
    [1500, 'decbytes', undefined, '1.50 kB'],
    [1e9, 'decbytes', undefined, '1 GB'],
    [2048, 'bits', undefined, '2 Kib'],
    [1000, 'decbits', undefined, '1 kb'],
    [1, 'kbytes', undefined, '1 KiB'],
    [1024, 'kbytes', undefined, '1 MiB'],
    [1.5, 'mbytes', undefined, '1.50 MiB'],
    [2048, 'gbytes', undefined, '2 TiB'],
    [1500, 'Bps', undefined, '1.50 kB/s'],
    [2048, 'binBps', undefined, '2 KiB/s'],
    [1e6, 'bps', undefined, '1 Mb/s'],
    [1000, 'KBs', undefined, '1 MB/s'],
    [1, 'MBs', undefined, '1 MB/s'],
    [0, 's', undefined, '0 s'],
    [30, 's', undefined, '30 s'],
    [90, 's', undefined, '1.50 min'],
    [7200, 's', undefined, '2 hour'],
    [86400 * 3, 's', undefined, '3 day'],
    [604800 * 2, 's', undefined, '2 week'],
    [0.5, 's', undefined, '500 ms'],
    [0.0005, 's', undefined, '500 µs'],
    [5e-7, 's', undefined, '500 ns'],
    [500, 'ms', undefined, '500 ms'],
    [1500, 'ms', undefined, '1.50 s'],
    [90000, 'ms', undefined, '1.50 min'],
    [7200000, 'ms', undefined, '2 hour'],
    [500, 'µs', undefined, '500 µs'],
    [1500, 'us', undefined, '1.50 ms'],
    [2e6, 'µs', undefined, '2 s'],
    [1500, 'ns', undefined, '1.50 µs'],
    [45, 'm', undefined, '45 min'],
    [90, 'm', undefined, '1.50 hour'],
    [36, 'h', undefined, '1.50 day'],
    [14, 'd', undefined, '2 week'],
    [730, 'd', undefined, '2 year'],
    [3720, 'dtdurations', undefined, '1 hour'],
    [3720, 'dtdurations', 1, '1 hour, 2 minutes'],
    [93784, 'dtdurations', 3, '1 day, 2 hours, 3 minutes, 4 seconds'],
    [0, 'dtdurations', undefined, '0 seconds'],
    [-60, 'dtdurations', undefined, '1 minute ago'],
    [3723000, 'dtdurationms', 2, '1 hour, 2 minutes, 3 seconds'],
    [3723, 'dthms', undefined, '01:02:03'],
    [90123, 'dtdhms', undefined, '1 d 01:02:03'],
    [500, 'clockms', undefined, '500ms'],
    [5000, 'clockms', undefined, '05s:000ms'],
    [3723000, 'clockms', undefined, '01h:02m:03s:000ms'],
    [3723000, 'clockms', 1, '01h:02m'],
    [123000, 'clockms', 0, '02m'],
    [1500, 'hertz', undefined, '1.50 kHz'],
    [5, 'reqps', undefined, '5 req/s'],
    [1500, 'reqps', undefined, '1.50K req/s'],
    [12, 'rps', undefined, '12 rd/s'],
    [3, 'ops', undefined, '3 ops/s'],
    [7, 'wps', undefined, '7 wr/s'],
    [60, 'rpm', undefined, '60 rd/m'],
    [21.5, 'celsius', undefined, '21.5 °C'],
    [70, 'fahrenheit', undefined, '70 °F'],
    [300, 'kelvin', undefined, '300 K'],
    [230, 'volt', undefined, '230 V'],
    [0.5, 'amp', undefined, '500 mA'],
    [1500, 'watt', undefined, '1.50 kW'],
    [2, 'kwatt', undefined, '2 kW'],
    [1000, 'watth', undefined, '1 kWh'],
    [1000, 'kwatth', undefined, '1 MWh'],
    [5, 'currencyUSD', undefined, '$5'],
    [1500, 'currencyUSD', undefined, '$1.50K'],
    [-5, 'currencyUSD', undefined, '-$5'],
    [10, 'currencyEUR', 2, '€10.00'],
    [2e6, 'currencyGBP', undefined, '£2M'],
    [5, 'currencySEK', undefined, '5kr'],
    [12345, 'sci', undefined, '1.2345e+4'],
    [12345, 'sci', 2, '1.23e+4'],
    [255, 'hex', undefined, 'FF'],
    [255, 'hex0x', undefined, '0xFF'],
    [-255, 'hex0x', undefined, '-0xFF'],
    [1, 'bool', undefined, 'True'],
    [0, 'bool', undefined, 'False'],
    [1, 'bool_yes_no', undefined, 'Yes'],
    [0, 'bool_on_off', undefined, 'Off'],
    [5, 'suffix:req', undefined, '5 req'],
    [5, 'prefix:~', undefined, '~5'],
    [1500, 'si:mA', undefined, '1.50 A'],
    [1500, 'si:Hz', undefined, '1.50 kHz'],
    [0.002, 'si:kg', undefined, '2 g'],
    [2500, 'count:jobs', undefined, '2.50K jobs'],
    [1500, 'currency:Ƀ', undefined, 'Ƀ1.50K'],
    [1, 'bool:Up/Down', undefined, 'Up'],
    [0, 'bool:Up/Down', undefined, 'Down'],
    [42, 'furlongs', undefined, '42 furlongs'],
    [42, 'constructor', undefined, '42 constructor'],
  ])('%s %s (decimals %s) -> %s', (value, unit, decimals, expected) => {
    expect(fmt(value, unit, decimals)).toBe(expected);
  });

  it('formats dates in the dashboard time zone', () => {
    const t = Date.UTC(2024, 0, 2, 10, 3, 4);
    expect(fmt(t, 'dateTimeAsIso')).toBe('2024-01-02 10:03:04');
    expect(fmt(t, 'dateTimeAsUS')).toBe('01/02/2024 10:03:04 am');
    expect(fmt(t, 'dateTimeAsIsoNoDateIfToday')).toBe('10:03:04');
    expect(fmt(Date.UTC(2023, 11, 31), 'dateTimeAsIsoNoDateIfToday')).toBe('2023-12-31 00:00:00');
    expect(fmt(t, 'time:YYYY/MM')).toBe('2024/01');
    expect(
      formattedToString(formatValue(t, 'dateTimeAsIso', null, { timeZone: 'Asia/Kolkata' })),
    ).toBe('2024-01-02 15:33:04');
  });

  it('says how long ago like moment', () => {
    const now = Date.UTC(2024, 0, 2, 12);
    expect(fmt(now - 5 * 60000, 'dateTimeFromNow')).toBe('5 minutes ago');
    expect(fmt(now - 10000, 'dateTimeFromNow')).toBe('a few seconds ago');
    expect(fmt(now + 2 * 3600000, 'dateTimeFromNow')).toBe('in 2 hours');
    expect([relativePhrase(60), relativePhrase(86400 * 3), relativePhrase(86400 * 40), relativePhrase(86400 * 800)])
      .toEqual(['a minute', '3 days', 'a month', '2 years']);
  });

  it('formats locale numbers with the viewer locale', () => {
    expect(fmt(1234.5, 'locale')).toBe((1234.5).toLocaleString());
  });

  it('keeps the unit apart from the digits', () => {
    expect(formatValue(1500, 'currencyUSD')).toEqual({ text: '1.50', prefix: '$', suffix: 'K' });
    expect(formatValue(90, 's')).toEqual({ text: '1.50', suffix: ' min' });
  });
});

describe('unitOptions', () => {
  it('lists groups with the units a picker needs', () => {
    const groups = unitOptions();
    const ids = groups.flatMap((g) => g.units.map((x) => x.id));
    expect(groups[0].group).toBe('Misc');
    expect(ids).toEqual(expect.arrayContaining(['short', 'bytes', 'ms', 'dtdurations', 'currencyUSD', 'reqps']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(groups.find((g) => g.group === 'Data')?.units[0]).toEqual({ id: 'bytes', name: 'bytes(IEC)' });
  });
});
