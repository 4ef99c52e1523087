import { describe, expect, it } from 'vitest';
import { formatDate, intlZone, tickFormat } from './timeAxis';

const T = Date.UTC(2024, 2, 5, 14, 7, 9, 42); // 2024-03-05 14:07:09.042 UTC

describe('time axis', () => {
  it('formats a date in UTC and in an IANA zone', () => {
    expect(formatDate(T, 'YYYY-MM-DD HH:mm:ss.SSS', 'utc')).toBe('2024-03-05 14:07:09.042');
    expect(formatDate(T, 'HH:mm', 'Asia/Tokyo')).toBe('23:07');
    expect(formatDate(Date.UTC(2024, 0, 1, 0, 0), 'HH:mm', 'utc')).toBe('00:00');
  });

  it('chooses the tick format from the step, as Grafana does', () => {
    expect(tickFormat(500, 10_000)).toBe('HH:mm:ss.SSS');
    expect(tickFormat(10_000, 300_000)).toBe('HH:mm:ss');
    expect(tickFormat(3_600_000, 6 * 3_600_000)).toBe('HH:mm');
    expect(tickFormat(6 * 3_600_000, 3 * 86_400_000)).toBe('MM/DD HH:mm');
    expect(tickFormat(86_400_000, 30 * 86_400_000)).toBe('MM/DD');
    expect(tickFormat(30 * 86_400_000, 365 * 86_400_000)).toBe('YYYY-MM');
    expect(tickFormat(366 * 86_400_000, 5 * 365 * 86_400_000)).toBe('YYYY');
  });

  it('maps dashboard zones to Intl zones', () => {
    expect(intlZone('browser')).toBeUndefined();
    expect(intlZone('utc')).toBe('UTC');
    expect(intlZone('Europe/Paris')).toBe('Europe/Paris');
  });
});
