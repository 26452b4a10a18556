// The libraries the caller sees (`GET /api/libraries`), in the configured order.
import type { components } from '$api/schema';
import { api, call } from './api';

export type LibraryInfo = components['schemas']['LibraryInfo'];

export function fetchLibraries(): Promise<LibraryInfo[]> {
  return call(api.GET('/api/libraries'));
}
