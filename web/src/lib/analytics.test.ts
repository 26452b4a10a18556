import { describe, expect, it } from 'vitest';
import { analyticsQuery, barHeights, formatHours, formatShare, periodById, PERIODS } from './analytics';

describe('analytics periods', () => {
  it('offers four periods with their bucket widths', () => {
    expect(PERIODS.map((p) => [p.id, p.bucket])).toEqual([
      ['24h', 'hour'],
      ['7d', 'day'],
      ['30d', 'day'],
      ['12w', 'week'],
    ]);
  });

  it('falls back to 7 days for an unknown id', () => {
    expect(periodById('nope').id).toBe('7d');
    expect(periodById(null).id).toBe('7d');
    expect(periodById('12w').bucket).toBe('week');
  });

  it('turns a choice into from/to/bucket ending now', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(analyticsQuery(periodById('24h'), now)).toEqual({
      from: '2026-03-09T12:00:00.000Z',
      to: '2026-03-10T12:00:00.000Z',
      bucket: 'hour',
    });
    expect(analyticsQuery(periodById('30d'), now).from).toBe('2026-02-08T12:00:00.000Z');
    expect(analyticsQuery(periodById('12w'), now)).toMatchObject({ from: '2025-12-16T12:00:00.000Z', bucket: 'week' });
  });
});

describe('formatShare', () => {
  it('rounds to whole percent', () => {
    expect(formatShare(0)).toBe('0 %');
    expect(formatShare(1)).toBe('100 %');
    expect(formatShare(0.333)).toBe('33 %');
    expect(formatShare(0.995)).toBe('100 %');
  });
  it('shows tiny shares as <1 % and clamps odd values', () => {
    expect(formatShare(0.004)).toBe('<1 %');
    expect(formatShare(1.5)).toBe('100 %');
    expect(formatShare(-1)).toBe('0 %');
    expect(formatShare(Number.NaN)).toBe('0 %');
    expect(formatShare(undefined)).toBe('0 %');
  });
});

describe('formatHours', () => {
  it('uses a decimal under 10 hours', () => {
    expect(formatHours(0)).toBe('0 h');
    expect(formatHours(0.01)).toBe('<0.1 h');
    expect(formatHours(0.25)).toBe('0.3 h');
    expect(formatHours(12.4)).toBe('12 h');
  });
});

describe('barHeights', () => {
  it('scales to the tallest bar', () => {
    expect(barHeights([0, 5, 10])).toEqual([0, 50, 100]);
  });
  it('keeps small values visible and handles no data', () => {
    expect(barHeights([1, 1000])[0]).toBe(2);
    expect(barHeights([0, 0])).toEqual([0, 0]);
    expect(barHeights([])).toEqual([]);
  });
});
