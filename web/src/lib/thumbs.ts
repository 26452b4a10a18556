// Thumbnails need the bearer token, so they are fetched by the client and shown as
// blob: URLs; only when near the viewport, a few at a time, newest request first (the
// cards just scrolled to).
import { api } from './api';

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
 * Fetches a thumbnail and hands its object URL to `done` (which then owns it and must
 * revoke it). Returns a cancel function.
 */
export function loadThumbnail(videoId: string, done: (url: string | null) => void): () => void {
  const controller = new AbortController();
  const job: Job = {
    cancelled: false,
    run: async () => {
      const r = await api.GET('/api/videos/{id}/thumbnail', {
        params: { path: { id: videoId } },
        parseAs: 'blob',
        signal: controller.signal,
      });
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
