// DLNA devices (TVs and players on the LAN that browsed the DLNA server): a device's
// state, what blocking it asks, and a device changed in the list.
import type { DlnaDevice } from './types';

export interface DeviceState {
  label: 'Blocked' | 'Allowed';
  /** The badge's tone (app.css). */
  tone: 'danger' | 'ok';
}

export function deviceState(device: Pick<DlnaDevice, 'blocked_at'>): DeviceState {
  return device.blocked_at ? { label: 'Blocked', tone: 'danger' } : { label: 'Allowed', tone: 'ok' };
}

/** The confirmation a block asks for (it stops what the device plays). */
export function blockQuestion(device: Pick<DlnaDevice, 'name' | 'address'>): string {
  const name = device.name.trim() || 'this device';
  return `Block ${name} (${device.address})? It can no longer browse or play, and what it plays now stops at once.`;
}

/** The list with `changed` in place of the device it updates (the order kept). */
export function replaceDevice(list: readonly DlnaDevice[], changed: DlnaDevice): DlnaDevice[] {
  return list.map((d) => (d.id === changed.id ? changed : d));
}
