import { describe, expect, it } from 'vitest';
import { librariesLabel, newPassBody, passState } from './guest-pass';

const now = Date.parse('2026-03-10T12:00:00Z');
const base = { revoked_at: null, expires_at: '2026-03-11T00:00:00Z', uses: 0, max_uses: 2 };

describe('passState', () => {
  it('is active, used up, expired or revoked', () => {
    expect(passState(base, now)).toBe('active');
    expect(passState({ ...base, uses: 2 }, now)).toBe('used up');
    expect(passState({ ...base, expires_at: '2026-03-10T11:00:00Z' }, now)).toBe('expired');
    expect(passState({ ...base, revoked_at: '2026-03-10T10:00:00Z', uses: 2 }, now)).toBe('revoked');
  });
});

describe('newPassBody', () => {
  const all = ['Movies', 'Shows'];
  it('leaves out a blank label and all libraries', () => {
    expect(newPassBody({ label: '  ', validHours: 24, maxUses: 1, libraries: all, all })).toEqual({ valid_hours: 24, max_uses: 1 });
  });
  it('sends the chosen libraries in the configured order', () => {
    expect(newPassBody({ label: ' Visit ', validHours: 2, maxUses: 3, libraries: ['Shows'], all })).toEqual({
      label: 'Visit',
      valid_hours: 2,
      max_uses: 3,
      libraries: ['Shows'],
    });
  });
  it('clamps hours and uses into the allowed ranges', () => {
    const body = newPassBody({ label: '', validHours: 5000, maxUses: 0, libraries: all, all });
    expect(body.valid_hours).toBe(720);
    expect(body.max_uses).toBe(1);
    expect(newPassBody({ label: '', validHours: Number.NaN, maxUses: 2000, libraries: all, all })).toMatchObject({ valid_hours: 1, max_uses: 1000 });
  });
});

describe('librariesLabel', () => {
  it('reads absent as every library', () => {
    expect(librariesLabel(undefined)).toBe('All libraries');
    expect(librariesLabel(null)).toBe('All libraries');
    expect(librariesLabel([])).toBe('No library');
    expect(librariesLabel(['Movies', 'Shows'])).toBe('Movies, Shows');
  });
});
