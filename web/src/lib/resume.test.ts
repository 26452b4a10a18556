import { describe, expect, it } from 'vitest';
import { clampPosition, parseStartParam, ProgressReporter, resumePoint } from './resume';

describe('resumePoint', () => {
  it('offers the server resume position', () => {
    expect(resumePoint({ resume_seconds: 754, watched: false }, 3600)).toBe(754);
  });

  it('offers nothing when never started, watched, at the very start or at the end', () => {
    expect(resumePoint(null, 3600)).toBeNull();
    expect(resumePoint({ resume_seconds: null, watched: false }, 3600)).toBeNull();
    expect(resumePoint({ resume_seconds: 754, watched: true }, 3600)).toBeNull();
    expect(resumePoint({ resume_seconds: 3, watched: false }, 3600)).toBeNull();
    expect(resumePoint({ resume_seconds: 3595, watched: false }, 3600)).toBeNull();
  });

  it('scales the margins for short videos', () => {
    expect(resumePoint({ resume_seconds: 6.5, watched: false }, 12)).toBe(6.5);
    expect(resumePoint({ resume_seconds: 1, watched: false }, 12)).toBeNull();
    expect(resumePoint({ resume_seconds: 11.9, watched: false }, 12)).toBeNull();
  });

  it('works without a known duration', () => {
    expect(resumePoint({ resume_seconds: 60, watched: false }, null)).toBe(60);
  });
});

describe('parseStartParam', () => {
  it('reads seconds and clock times', () => {
    expect(parseStartParam('754')).toBe(754);
    expect(parseStartParam('7.5')).toBe(7.5);
    expect(parseStartParam('12:34')).toBe(754);
    expect(parseStartParam('1:02:03')).toBe(3723);
    expect(parseStartParam('')).toBeNull();
    expect(parseStartParam(null)).toBeNull();
    expect(parseStartParam('soon')).toBeNull();
  });
});

describe('clampPosition', () => {
  it('keeps positions within the video', () => {
    expect(clampPosition(-1, 100)).toBe(0);
    expect(clampPosition(150, 100)).toBe(100);
    expect(clampPosition(12.34567, 100)).toBe(12.346);
    expect(clampPosition(Number.NaN, 100)).toBe(0);
    expect(clampPosition(50, null)).toBe(50);
  });
});

describe('ProgressReporter', () => {
  it('reports while playing every 10 s, not on every time update', () => {
    const r = new ProgressReporter(600);
    expect(r.tick(1, 0)).toEqual({ position_seconds: 1, state: 'playing' });
    expect(r.tick(2, 4000)).toBeNull();
    expect(r.tick(9, 9999)).toBeNull();
    expect(r.tick(11, 10_000)).toEqual({ position_seconds: 11, state: 'playing' });
    expect(r.tick(12, 11_000)).toBeNull();
  });

  it('reports a pause at once, but the same pause only once', () => {
    const r = new ProgressReporter(600);
    r.tick(1, 0);
    expect(r.pause(5, 2000)).toEqual({ position_seconds: 5, state: 'paused' });
    expect(r.pause(5.2, 2500)).toBeNull();
    expect(r.pause(40, 3000)).toEqual({ position_seconds: 40, state: 'paused' });
  });

  it('reports playing again right after a pause', () => {
    const r = new ProgressReporter(600);
    r.tick(1, 0);
    r.pause(5, 2000);
    expect(r.tick(5.5, 4000)).toEqual({ position_seconds: 5.5, state: 'playing' });
  });

  it('stops once, clamped to the duration, and says nothing after', () => {
    const r = new ProgressReporter(100);
    r.tick(1, 0);
    expect(r.stop(100.4, 1000)).toEqual({ position_seconds: 100, state: 'stopped' });
    expect(r.isStopped).toBe(true);
    expect(r.stop(100, 2000)).toBeNull();
    expect(r.tick(50, 50_000)).toBeNull();
    expect(r.pause(50, 50_000)).toBeNull();
    expect(r.snapshot(50, true, 50_000)).toBeNull();
  });

  it('snapshots the state when the tab is hidden', () => {
    const r = new ProgressReporter(100);
    expect(r.snapshot(30, true, 0)).toEqual({ position_seconds: 30, state: 'playing' });
    expect(r.snapshot(30, false, 1)).toEqual({ position_seconds: 30, state: 'paused' });
  });
});
