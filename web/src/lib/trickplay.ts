// Seek previews (trickplay): the server's WebVTT index of a video's preview pictures
// (`GET /api/videos/{id}/trickplay/index.vtt`), each cue naming a sheet of pictures and
// the picture's place in it (`0.jpg#xywh=160,0,160,90`). The index is asked for once
// playback has started (the first frame needs nothing of it); sheets when a picture of
// theirs is first wanted. Both need the bearer token, so they come through the API
// client, sheets as decoded bitmaps.
import { api } from './api';

export interface PreviewCue {
  start: number;
  end: number;
  /** The sheet's name in the index (`0.jpg`). */
  sheet: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `hh:mm:ss.mmm` or `mm:ss.mmm` in seconds; NaN when it is neither. */
export function vttTime(text: string): number {
  const parts = text.trim().split(':');
  if (parts.length < 2 || parts.length > 3) return NaN;
  const [h, m, s] = parts.length === 3 ? parts : ['0', ...parts];
  if (![h, m].every((p) => /^\d+$/.test(p ?? '')) || !/^\d+(\.\d+)?$/.test(s ?? '')) return NaN;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}

/** The cues of an index, in order; blocks that are not a preview cue are skipped. */
export function parseIndex(text: string): PreviewCue[] {
  if (!text.startsWith('WEBVTT')) return [];
  const cues: PreviewCue[] = [];
  for (const block of text.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const timing = lines.findIndex((l) => l.includes('-->'));
    if (timing < 0 || timing + 1 >= lines.length) continue;
    const [from, to] = (lines[timing] ?? '').split('-->');
    const start = vttTime(from ?? '');
    const end = vttTime((to ?? '').trim().split(/\s+/)[0] ?? '');
    const match = /^([^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec((lines[timing + 1] ?? '').trim());
    if (!match || !Number.isFinite(start) || !Number.isFinite(end) || end <= start) continue;
    const [, sheet, x, y, w, h] = match;
    if (!sheet || sheet.includes('/') || sheet.includes('..')) continue;
    cues.push({ start, end, sheet, x: Number(x), y: Number(y), w: Number(w), h: Number(h) });
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** The cue showing `time` (the last that starts at or before it), or null. */
export function cueAt(cues: readonly PreviewCue[], time: number): PreviewCue | null {
  if (cues.length === 0 || !Number.isFinite(time)) return null;
  let lo = 0;
  let hi = cues.length - 1;
  if (time < (cues[0] as PreviewCue).start) return cues[0] as PreviewCue;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((cues[mid] as PreviewCue).start <= time) lo = mid;
    else hi = mid - 1;
  }
  return cues[lo] as PreviewCue;
}

/** How soon an index the server had not made yet is asked for again. */
const RETRY_MS = 10_000;

/** A picture ready to draw: its sheet and place. */
export interface PreviewPicture {
  cue: PreviewCue;
  image: ImageBitmap;
}

/** One video's previews: the index once loaded, its sheets as they are wanted. */
export class Trickplay {
  #cues: PreviewCue[] = [];
  #loading: Promise<void> | null = null;
  #askedAt = 0;
  #sheets = new Map<string, Promise<ImageBitmap | null>>();
  #ready = new Map<string, ImageBitmap>();
  #closed = false;
  #controller = new AbortController();

  constructor(
    readonly videoId: string,
    /** Told when something new can be drawn (the index, a sheet). */
    private readonly changed: () => void = () => undefined,
  ) {}

  /** Whether the video has previews (once the index has loaded). */
  get available(): boolean {
    return this.#cues.length > 0;
  }

  /**
   * Loads the index, once it is there: asked again (when the seek bar is next hovered)
   * at most every 10 s while the server answers that it has made none yet.
   */
  load(): Promise<void> {
    if (this.#cues.length > 0 || this.#closed) return Promise.resolve();
    if (this.#loading && Date.now() - this.#askedAt < RETRY_MS) return this.#loading;
    this.#askedAt = Date.now();
    this.#loading = (async () => {
      try {
        const r = await api.GET('/api/videos/{id}/trickplay/index.vtt', {
          params: { path: { id: this.videoId } },
          parseAs: 'text',
          signal: this.#controller.signal,
        });
        if (this.#closed || !r.response.ok || typeof r.data !== 'string') return;
        this.#cues = parseIndex(r.data);
        this.changed();
      } catch {
        // No previews: the seek bar works without them.
      }
    })();
    return this.#loading;
  }

  /** The picture for `time`, if its sheet is here; asks for the sheet if not. */
  pictureAt(time: number): PreviewPicture | null {
    const cue = cueAt(this.#cues, time);
    if (!cue) return null;
    const image = this.#ready.get(cue.sheet);
    if (image) return { cue, image };
    this.#fetchSheet(cue.sheet);
    return null;
  }

  #fetchSheet(sheet: string): void {
    if (this.#sheets.has(sheet) || this.#closed) return;
    const job = (async () => {
      try {
        const r = await api.GET('/api/videos/{id}/trickplay/{sheet}', {
          params: { path: { id: this.videoId, sheet } },
          parseAs: 'blob',
          signal: this.#controller.signal,
        });
        const blob = r.data as Blob | undefined;
        if (this.#closed || !r.response.ok || !blob) return null;
        const image = await createImageBitmap(blob);
        if (this.#closed) {
          image.close();
          return null;
        }
        this.#ready.set(sheet, image);
        this.changed();
        return image;
      } catch {
        return null;
      }
    })();
    this.#sheets.set(sheet, job);
  }

  /** Stops what is loading and frees the sheets. */
  close(): void {
    this.#closed = true;
    this.#controller.abort();
    for (const image of this.#ready.values()) image.close();
    this.#ready.clear();
  }
}
