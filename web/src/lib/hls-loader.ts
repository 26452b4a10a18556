// hls.js is fetched only when a browser without native HLS needs it: its own chunk, and
// its transmuxing worker as a file of this origin (the CSP allows 'self' workers).
import type Hls from 'hls.js';

export type HlsClass = typeof Hls;

let loading: Promise<{ Hls: HlsClass; workerPath: string }> | null = null;

export function loadHls(): Promise<{ Hls: HlsClass; workerPath: string }> {
  loading ??= Promise.all([import('hls.js'), import('hls.js/dist/hls.worker.js?url')]).then(
    ([mod, worker]) => ({ Hls: mod.default, workerPath: worker.default }),
  );
  return loading;
}
