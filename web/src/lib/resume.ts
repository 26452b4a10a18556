// Where playback starts and when its position is reported.
import type { PlayerState, UserData } from './types';

/** Resume points closer than this to the start are not offered (a tenth of short videos). */
export const MIN_RESUME_SECONDS = 5;
/** Nor those in the last 5% (the server counts 90% as watched and offers none then). */
export const END_FRACTION = 0.95;
/** Progress is reported this often while playing. */
export const REPORT_INTERVAL_MS = 10_000;

/** The position to offer "Resume from" at, or `null` to start at the beginning. */
export function resumePoint(
  userData: Pick<UserData, 'resume_seconds' | 'watched'> | null | undefined,
  duration: number | null | undefined,
): number | null {
  const at = userData?.resume_seconds;
  if (at == null || !Number.isFinite(at) || userData?.watched) return null;
  const known = duration != null && duration > 0;
  if (at < (known ? Math.min(MIN_RESUME_SECONDS, duration * 0.1) : MIN_RESUME_SECONDS)) return null;
  if (known && at > duration * END_FRACTION) return null;
  return at;
}

/** A `?t=` start position from the URL (seconds, or `1:02:03`), `null` when absent. */
export function parseStartParam(value: string | null | undefined): number | null {
  if (value == null || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(value);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** A position the server accepts: 0 to the video's duration. */
export function clampPosition(position: number, duration: number | null | undefined): number {
  if (!Number.isFinite(position) || position < 0) return 0;
  if (duration != null && duration > 0 && position > duration) return duration;
  return Math.round(position * 1000) / 1000;
}

export interface Report {
  position_seconds: number;
  state: PlayerState;
}

/**
 * When to report: every {@link REPORT_INTERVAL_MS} while playing, at once on pause, and
 * once on stop (leaving the player, closing the tab, the end): never again after that.
 */
export class ProgressReporter {
  private lastSentAt = -Infinity;
  private lastState: PlayerState | null = null;
  private lastPosition = -1;
  private stopped = false;

  constructor(
    private readonly duration: number | null,
    private readonly interval: number = REPORT_INTERVAL_MS,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  private make(position: number, state: PlayerState, now: number): Report {
    const report = { position_seconds: clampPosition(position, this.duration), state };
    this.lastSentAt = now;
    this.lastState = state;
    this.lastPosition = report.position_seconds;
    return report;
  }

  /** While playing (time updates): a `playing` report when one is due. */
  tick(position: number, now: number): Report | null {
    if (this.stopped) return null;
    if (this.lastState === 'playing' && now - this.lastSentAt < this.interval) return null;
    if (this.lastState !== 'playing' && now - this.lastSentAt < 1000 && this.lastPosition === clampPosition(position, this.duration)) {
      return null;
    }
    return this.make(position, 'playing', now);
  }

  /** Paused (or seeked while paused): a `paused` report unless the same one was just sent. */
  pause(position: number, now: number): Report | null {
    if (this.stopped) return null;
    const p = clampPosition(position, this.duration);
    if (this.lastState === 'paused' && Math.abs(this.lastPosition - p) < 0.5) return null;
    return this.make(position, 'paused', now);
  }

  /** The player closes: the one `stopped` report (frees the stream slot at once). */
  stop(position: number, now: number): Report | null {
    if (this.stopped) return null;
    this.stopped = true;
    return this.make(position, 'stopped', now);
  }

  /** The tab is hidden: the position as it is, without ending the stream. */
  snapshot(position: number, playing: boolean, now: number): Report | null {
    if (this.stopped) return null;
    return this.make(position, playing ? 'playing' : 'paused', now);
  }
}
