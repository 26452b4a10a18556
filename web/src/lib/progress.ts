// The progress reports of one playback: what the player's media and page events report
// (when, ProgressReporter in resume.ts decides) and how a report travels: the API while
// the page lives, `sendBeacon` with the signed link as it goes away.
import type { paths } from '$api/schema';
import { api } from './api';
import { withToken } from './engine';
import { ProgressReporter, type Report } from './resume';

export interface ReportTransport {
  /** `PUT /api/videos/{id}/progress`; `keepalive` lets it outlive the page. */
  send(report: Report, keepalive: boolean): void;
  /** A report of a page being hidden or closed. */
  beacon(report: Report): void;
}

const PROGRESS_PATH: keyof paths = '/api/videos/{id}/progress';

/**
 * Reports through the API. A beacon cannot carry the bearer token: it goes with the
 * playback's signed link (`linkToken`), else as a keepalive request.
 */
export function apiTransport(videoId: () => string, linkToken: () => string | null): ReportTransport {
  function send(report: Report, keepalive: boolean) {
    void api
      .PUT('/api/videos/{id}/progress', { params: { path: { id: videoId() } }, body: report, keepalive })
      .catch(() => undefined);
  }
  return {
    send,
    beacon(report) {
      const token = linkToken();
      const url = withToken(PROGRESS_PATH.replace('{id}', encodeURIComponent(videoId())), token);
      const body = new Blob([JSON.stringify(report)], { type: 'text/plain' });
      const queued = token && typeof navigator.sendBeacon === 'function' ? navigator.sendBeacon(url, body) : false;
      if (!queued) send(report, true);
    },
  };
}

/** Nothing is reported before the video first plays (a refused stream reports nothing). */
export class ProgressSession {
  private reporter: ProgressReporter;
  private started = false;

  constructor(
    private readonly duration: () => number | null,
    private readonly transport: ReportTransport,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.reporter = new ProgressReporter(duration());
  }

  /** The video plays (its `playing` event). */
  start(): void {
    this.started = true;
  }

  /** A time update while playing: a `playing` report when one is due. */
  playing(position: number): void {
    if (this.started) this.send(this.reporter.tick(position, this.now()));
  }

  /** A pause, or a seek that landed while paused. */
  paused(position: number): void {
    if (this.started) this.send(this.reporter.pause(position, this.now()));
  }

  /** The video ended: the one `stopped` report. */
  ended(position: number): void {
    if (this.started) this.send(this.reporter.stop(position, this.now()), true);
  }

  /** The tab is hidden: where it is, without ending the stream (it may never come back). */
  hidden(position: number, playing: boolean): void {
    if (this.started) this.beacon(this.reporter.snapshot(position, playing, this.now()));
  }

  /** The page goes away (closed, or into the back-forward cache). */
  pageHide(position: number): void {
    if (this.started) this.beacon(this.reporter.stop(position, this.now()));
  }

  /** Back from the back-forward cache: the stream reopens, so do the reports. */
  pageShow(persisted: boolean): void {
    if (persisted) this.reporter = new ProgressReporter(this.duration());
  }

  /** The player closes: leaving it frees the stream slot at once. */
  close(position: number): void {
    if (this.started) this.send(this.reporter.stop(position, this.now()), true);
  }

  private send(report: Report | null, keepalive = false) {
    if (report) this.transport.send(report, keepalive);
  }

  private beacon(report: Report | null) {
    if (report) this.transport.beacon(report);
  }
}
