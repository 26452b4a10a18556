// RFC 9457 problem documents as the server sends them, turned into words for people.

/** The fields of a problem document this client reads (`application/problem+json`). */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  limit?: string | null;
}

export function isProblem(value: unknown): value is ProblemBody {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.detail === 'string' || typeof v.title === 'string' || typeof v.code === 'string';
}

/**
 * Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date (RFC 9110).
 * `null` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date names its day and month ("Wed, 21 Oct 2015 07:28:00 GMT").
  if (!/[a-z]{3}/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** A wait as people say it: `20 s`, `2 min`, `1 h 5 min`. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 90) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const FALLBACK: Record<number, string> = {
  0: 'Cannot reach the server. Check your connection and try again.',
  400: 'The server did not accept the request.',
  401: 'Your session has ended. Sign in again.',
  403: 'You are not allowed to do that.',
  404: 'Not found.',
  405: 'The server does not allow that.',
  409: 'That conflicts with the current state.',
  413: 'That is too large for the server.',
  415: 'The server did not understand the request.',
  422: 'Some of the values are not valid.',
  429: 'Too many requests.',
  500: 'The server had an internal error.',
  503: 'The server is busy.',
};

/** Short headings for the statuses a person meets. */
export function problemHeading(status: number, limit?: string | null): string {
  if (status === 429) {
    if (limit === 'streaming.max_streams_per_user') return 'Stream limit reached';
    if (limit === 'streaming.max_concurrent_streams') return 'The server is at its stream limit';
    if (limit?.startsWith('auth.')) return 'Too many attempts';
    return 'Too many requests';
  }
  if (status === 503) return 'Server busy';
  if (status === 404) return 'Not found';
  if (status === 403) return 'Not allowed';
  if (status === 401) return 'Signed out';
  if (status === 0) return 'Offline';
  if (status >= 500) return 'Server error';
  return 'Something went wrong';
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  // A leading configuration key (`streaming.max_streams_per_user is 1`) keeps its case.
  const first = t.split(/\s/, 1)[0] ?? '';
  const head = /[._]/.test(first) ? t : t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(head) ? head : `${head}.`;
}

/**
 * The message to show for a failed request: the problem's `detail` (meant for people),
 * else its title, else a sentence for the status; for 429 and 503 with the wait from
 * `Retry-After` ("...; try again in 20 s.").
 */
export function problemMessage(status: number, body: unknown, retryAfter: number | null): string {
  const problem = isProblem(body) ? body : null;
  const raw =
    problem?.detail?.trim() ||
    (problem?.title && problem.title !== 'about:blank' ? problem.title : '') ||
    (typeof body === 'string' && body.trim().length > 0 && body.length < 300 && !/^\s*</.test(body) ? body.trim() : '') ||
    FALLBACK[status] ||
    `The server answered ${status}.`;
  if (retryAfter !== null && (status === 429 || status === 503)) {
    const wait = formatWait(retryAfter);
    const later = /try again later\.?$/i;
    if (later.test(raw)) return sentence(raw.replace(later, `try again in ${wait}`));
    return `${sentence(raw)} Try again in ${wait}.`;
  }
  return sentence(raw);
}
