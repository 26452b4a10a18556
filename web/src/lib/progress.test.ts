import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Report } from './resume';

const put = vi.hoisted(() => vi.fn());
vi.mock('./api', () => ({ api: { PUT: put } }));

const { apiTransport, ProgressSession } = await import('./progress');

function recorder() {
  const sent: { report: Report; keepalive: boolean }[] = [];
  const beacons: Report[] = [];
  const transport = {
    send: (report: Report, keepalive: boolean) => sent.push({ report, keepalive }),
    beacon: (report: Report) => beacons.push(report),
  };
  return { sent, beacons, transport };
}

describe('ProgressSession', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('reports nothing before the video first plays', () => {
    const { sent, beacons, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.playing(1);
    s.paused(2);
    s.hidden(3, false);
    s.pageHide(3);
    s.ended(600);
    s.close(3);
    expect(sent).toEqual([]);
    expect(beacons).toEqual([]);
  });

  it('reports while playing every 10 s of the clock, not on every time update', () => {
    const { sent, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.start();
    s.playing(1);
    for (let i = 0; i < 9; i++) {
      vi.advanceTimersByTime(1000);
      s.playing(2 + i);
    }
    expect(sent).toEqual([{ report: { position_seconds: 1, state: 'playing' }, keepalive: false }]);
    vi.advanceTimersByTime(1000);
    s.playing(11);
    expect(sent.map((r) => r.report)).toEqual([
      { position_seconds: 1, state: 'playing' },
      { position_seconds: 11, state: 'playing' },
    ]);
  });

  it('reports a pause at once, a seek while paused too, but the same pause once', () => {
    const { sent, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.start();
    s.playing(5);
    vi.advanceTimersByTime(2000);
    s.paused(7);
    s.paused(7);
    s.paused(42);
    expect(sent.map((r) => r.report)).toEqual([
      { position_seconds: 5, state: 'playing' },
      { position_seconds: 7, state: 'paused' },
      { position_seconds: 42, state: 'paused' },
    ]);
  });

  it('sends one stopped report at the end, kept alive, and nothing after', () => {
    const { sent, beacons, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.start();
    s.ended(600);
    vi.advanceTimersByTime(20_000);
    s.playing(1);
    s.close(600);
    s.pageHide(600);
    expect(sent).toEqual([{ report: { position_seconds: 600, state: 'stopped' }, keepalive: true }]);
    expect(beacons).toEqual([]);
  });

  it('stops when the player closes, kept alive (the stream slot frees at once)', () => {
    const { sent, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.start();
    s.close(33.3333);
    expect(sent).toEqual([{ report: { position_seconds: 33.333, state: 'stopped' }, keepalive: true }]);
  });

  it('beacons where it is when the tab is hidden, and goes on reporting', () => {
    const { sent, beacons, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.start();
    s.hidden(12, true);
    s.hidden(13, false);
    expect(beacons).toEqual([
      { position_seconds: 12, state: 'playing' },
      { position_seconds: 13, state: 'paused' },
    ]);
    vi.advanceTimersByTime(10_000);
    s.playing(23);
    expect(sent.map((r) => r.report)).toEqual([{ position_seconds: 23, state: 'playing' }]);
  });

  it('beacons the stop when the page goes, and reports again when it comes back from the cache', () => {
    const { sent, beacons, transport } = recorder();
    const s = new ProgressSession(() => 600, transport);
    s.start();
    s.pageHide(50);
    s.playing(51);
    expect(beacons).toEqual([{ position_seconds: 50, state: 'stopped' }]);
    expect(sent).toEqual([]);
    s.pageShow(false);
    s.playing(52);
    expect(sent).toEqual([]);
    s.pageShow(true);
    s.playing(53);
    expect(sent.map((r) => r.report)).toEqual([{ position_seconds: 53, state: 'playing' }]);
  });

  it('keeps positions within the video', () => {
    const { sent, transport } = recorder();
    const s = new ProgressSession(() => 100, transport);
    s.start();
    s.ended(130);
    expect(sent[0]?.report.position_seconds).toBe(100);
  });
});

describe('apiTransport', () => {
  const sendBeacon = vi.fn<(url: string, body: Blob) => boolean>();
  const report: Report = { position_seconds: 12, state: 'stopped' };

  beforeEach(() => {
    put.mockReset().mockResolvedValue({});
    sendBeacon.mockReset().mockReturnValue(true);
    vi.stubGlobal('navigator', { sendBeacon });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('sends through the API', () => {
    apiTransport(
      () => 'v1',
      () => 'tok',
    ).send(report, false);
    expect(put).toHaveBeenCalledWith('/api/videos/{id}/progress', {
      params: { path: { id: 'v1' } },
      body: report,
      keepalive: false,
    });
  });

  it('beacons with the signed link', async () => {
    apiTransport(
      () => 'v 1',
      () => 'tok',
    ).beacon(report);
    expect(put).not.toHaveBeenCalled();
    const [url, body] = sendBeacon.mock.calls[0] ?? [];
    expect(url).toBe('/api/videos/v%201/progress?token=tok');
    expect(body?.type).toBe('text/plain');
    expect(JSON.parse((await body?.text()) ?? '')).toEqual(report);
  });

  it('falls back to a keepalive request without a link or when the beacon is refused', () => {
    apiTransport(
      () => 'v1',
      () => null,
    ).beacon(report);
    expect(sendBeacon).not.toHaveBeenCalled();
    sendBeacon.mockReturnValue(false);
    apiTransport(
      () => 'v1',
      () => 'tok',
    ).beacon(report);
    expect(put).toHaveBeenCalledTimes(2);
    expect(put.mock.calls.map((c) => (c[1] as { keepalive: boolean }).keepalive)).toEqual([true, true]);
  });
});
