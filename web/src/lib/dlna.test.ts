import { describe, expect, it } from 'vitest';
import { blockQuestion, deviceState, replaceDevice } from './dlna';
import type { DlnaDevice } from './types';

const tv: DlnaDevice = {
  id: '0b0e0000-0000-4000-8000-000000000001',
  name: 'Living room TV',
  address: '192.168.1.20',
  user_agent: 'LG WebOS TV',
  blocked_at: null,
  first_seen_at: '2024-05-01T10:00:00Z',
  last_seen_at: '2024-05-02T20:00:00Z',
};

describe('DLNA devices', () => {
  it('tells a blocked device from an allowed one', () => {
    expect(deviceState(tv)).toEqual({ label: 'Allowed', tone: 'ok' });
    expect(deviceState({ blocked_at: '2024-05-03T08:00:00Z' })).toEqual({ label: 'Blocked', tone: 'danger' });
    expect(deviceState({})).toEqual({ label: 'Allowed', tone: 'ok' });
  });

  it('asks before a block, naming the device', () => {
    expect(blockQuestion(tv)).toMatch(/^Block Living room TV \(192\.168\.1\.20\)\?/);
    expect(blockQuestion({ name: ' ', address: '10.0.0.5' })).toMatch(/^Block this device \(10\.0\.0\.5\)\?/);
  });

  it('puts a changed device in its place', () => {
    const other = { ...tv, id: '0b0e0000-0000-4000-8000-000000000002', name: 'Kitchen' };
    const blocked = { ...tv, blocked_at: '2024-05-03T08:00:00Z' };
    expect(replaceDevice([other, tv], blocked)).toEqual([other, blocked]);
    expect(replaceDevice([other], blocked)).toEqual([other]);
  });
});
