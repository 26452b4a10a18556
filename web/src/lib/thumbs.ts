// Thumbnails and artwork need the bearer token, so they are fetched by the client and
// shown as blob: URLs; only when near the viewport, a few at a time, newest request
// first (the cards just scrolled to).
import { api } from './api';
import type { Video } from './types';

/** Where an image comes from: a video's grabbed frame, or a video's or series' artwork. */
export type ImageSource =
  | { of: 'thumbnail'; videoId: string }
  | { of: 'video'; videoId: string; image: 'poster' | 'backdrop'; width: number }
  | { of: 'series'; seriesId: string; image: 'poster' | 'backdrop'; width: number; season?: number | null };

/** The widths the server resizes to; it rounds a request up to the next one. */
export const IMAGE_WIDTHS = [160, 320, 640, 1280] as const;

/** The width to ask for an image shown `cssWidth` pixels wide on a screen of `dpr`. */
export function imageWidth(cssWidth: number, dpr = 1): number {
  const want = Math.max(1, cssWidth) * (Number.isFinite(dpr) && dpr > 0 ? Math.min(dpr, 3) : 1);
  return IMAGE_WIDTHS.find((w) => w >= want) ?? 1280;
}

/** One string per image (an effect's key: the same image is not fetched twice). */
export function imageKey(source: ImageSource): string {
  switch (source.of) {
    case 'thumbnail':
      return `t:${source.videoId}`;
    case 'video':
      return `v:${source.videoId}:${source.image}:${source.width}`;
    case 'series':
      return `s:${source.seriesId}:${source.image}:${source.width}:${source.season ?? ''}`;
  }
}

/**
 * The picture of a video's card: wide cards show an episode's own thumb or the grabbed
 * frame; poster cards a film's poster (the server falls back to the frame itself).
 * `null`: nothing to show.
 */
export function cardImage(
  video: Pick<Video, 'id' | 'kind' | 'has_poster' | 'has_thumbnail'>,
  shape: 'wide' | 'poster',
  width: number,
): ImageSource | null {
  if (shape === 'poster' || (video.kind === 'episode' && video.has_poster)) {
    if (!video.has_poster && !video.has_thumbnail) return null;
    return { of: 'video', videoId: video.id, image: 'poster', width };
  }
  return video.has_thumbnail ? { of: 'thumbnail', videoId: video.id } : null;
}

function request(source: ImageSource, signal: AbortSignal) {
  switch (source.of) {
    case 'thumbnail':
      return api.GET('/api/videos/{id}/thumbnail', { params: { path: { id: source.videoId } }, parseAs: 'blob', signal });
    case 'video':
      return api.GET('/api/videos/{id}/image/{kind}', {
        params: { path: { id: source.videoId, kind: source.image }, query: { width: source.width } },
        parseAs: 'blob',
        signal,
      });
    case 'series':
      return api.GET('/api/series/{id}/image/{kind}', {
        params: {
          path: { id: source.seriesId, kind: source.image },
          query: { width: source.width, ...(source.season != null ? { season: source.season } : {}) },
        },
        parseAs: 'blob',
        signal,
      });
  }
}

type Job = { run: () => Promise<void>; cancelled: boolean };

const MAX_PARALLEL = 6;
let active = 0;
const waiting: Job[] = [];

function pump(): void {
  while (active < MAX_PARALLEL && waiting.length > 0) {
    const job = waiting.pop() as Job;
    if (job.cancelled) continue;
    active += 1;
    job
      .run()
      .catch(() => undefined)
      .finally(() => {
        active -= 1;
        pump();
      });
  }
}

/**
 * Fetches an image and hands its object URL to `done` (which then owns it and must
 * revoke it), or `null` when there is none (a 404). Returns a cancel function.
 */
export function loadImage(source: ImageSource, done: (url: string | null) => void): () => void {
  const controller = new AbortController();
  const job: Job = {
    cancelled: false,
    run: async () => {
      const r = await request(source, controller.signal);
      if (job.cancelled) return;
      const blob = r.data as Blob | undefined;
      done(r.response.ok && blob && blob.size > 0 ? URL.createObjectURL(blob) : null);
    },
  };
  waiting.push(job);
  pump();
  return () => {
    job.cancelled = true;
    controller.abort();
  };
}

/** A video's thumbnail (see {@link loadImage}). */
export function loadThumbnail(videoId: string, done: (url: string | null) => void): () => void {
  return loadImage({ of: 'thumbnail', videoId }, done);
}

let observer: IntersectionObserver | null = null;
const callbacks = new Map<Element, () => void>();

/** Calls `visible` once when `el` comes within 400 px of the viewport. */
export function whenNear(el: Element, visible: () => void): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    visible();
    return () => undefined;
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const cb = callbacks.get(entry.target);
        callbacks.delete(entry.target);
        observer?.unobserve(entry.target);
        cb?.();
      }
    },
    { rootMargin: '400px 200px' },
  );
  callbacks.set(el, visible);
  observer.observe(el);
  return () => {
    callbacks.delete(el);
    observer?.unobserve(el);
  };
}
