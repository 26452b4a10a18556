import { describe, expect, it } from 'vitest';
import { formatWait, isProblem, parseRetryAfter, problemHeading, problemMessage } from './problem';

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('20')).toBe(20);
    expect(parseRetryAfter(' 0 ')).toBe(0);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('is null when absent or unreadable', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('-5')).toBeNull();
  });
});

describe('formatWait', () => {
  it('says seconds, minutes and hours', () => {
    expect(formatWait(20)).toBe('20 s');
    expect(formatWait(89)).toBe('89 s');
    expect(formatWait(120)).toBe('2 min');
    expect(formatWait(3600)).toBe('1 h');
    expect(formatWait(3900)).toBe('1 h 5 min');
    expect(formatWait(0.2)).toBe('1 s');
  });
});

describe('problemMessage', () => {
  const limit = {
    type: 'about:blank',
    title: 'Too Many Requests',
    status: 429,
    detail: 'streaming.max_streams_per_user is 1: no stream slot is free; try again later',
    code: 'rate_limited',
    limit: 'streaming.max_streams_per_user',
  };

  it('shows the detail with the wait from Retry-After for 429', () => {
    expect(problemMessage(429, limit, 20)).toBe(
      'streaming.max_streams_per_user is 1: no stream slot is free; try again in 20 s.',
    );
  });

  it('appends the wait when the detail does not end with "try again later"', () => {
    const busy = { ...limit, status: 503, detail: 'every transcoding slot is busy', code: 'unavailable' };
    expect(problemMessage(503, busy, 15)).toBe('Every transcoding slot is busy. Try again in 15 s.');
  });

  it('shows no wait for other statuses or without Retry-After', () => {
    expect(problemMessage(404, { ...limit, status: 404, detail: 'video 42 not found' }, 20)).toBe('Video 42 not found.');
    expect(problemMessage(429, limit, null)).toBe(
      'streaming.max_streams_per_user is 1: no stream slot is free; try again later.',
    );
  });

  it('falls back to the title, then to words for the status', () => {
    expect(problemMessage(409, { title: 'Conflict', status: 409, code: 'x' }, null)).toBe('Conflict.');
    expect(problemMessage(503, null, 30)).toBe('The server is busy. Try again in 30 s.');
    expect(problemMessage(0, undefined, null)).toMatch(/Cannot reach the server/);
    expect(problemMessage(418, '<html>teapot</html>', null)).toBe('The server answered 418.');
  });

  it('recognises problem documents', () => {
    expect(isProblem(limit)).toBe(true);
    expect(isProblem({ foo: 1 })).toBe(false);
    expect(isProblem(null)).toBe(false);
    expect(isProblem('detail')).toBe(false);
  });

  it('names the limit in the heading', () => {
    expect(problemHeading(429, 'streaming.max_streams_per_user')).toBe('Stream limit reached');
    expect(problemHeading(429, 'auth.max_failed_logins')).toBe('Too many attempts');
    expect(problemHeading(503)).toBe('Server busy');
    expect(problemHeading(404)).toBe('Not found');
  });
});
