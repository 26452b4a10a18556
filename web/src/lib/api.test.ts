import { describe, expect, it, vi } from 'vitest';
import { api, ApiError, call, configureApi } from './api';

const base = 'http://homestream.test';

function reply(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async (_req: Request) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json', ...headers },
    }),
  );
}

const problem = (status: number, code: string, detail: string, limit?: string) => ({
  type: 'about:blank',
  title: 'x',
  status,
  code,
  detail,
  ...(limit ? { limit } : {}),
});

describe('the API client', () => {
  it('sends the bearer token of the session', async () => {
    configureApi({ token: () => 'tok-1', unauthorized: () => undefined });
    const fetch = reply(200, { id: 'u', username: 'ann', role: 'user', is_active: true, created_at: '' });
    const me = await call(api.GET('/api/users/me', { baseUrl: base, fetch }));
    expect(me.username).toBe('ann');
    const sent = fetch.mock.calls[0]?.[0] as Request;
    expect(sent.headers.get('Authorization')).toBe('Bearer tok-1');
  });

  it('sends no Authorization header without a session', async () => {
    configureApi({ token: () => null, unauthorized: () => undefined });
    const fetch = reply(200, { access_token: 't' });
    await call(api.POST('/api/auth/login', { baseUrl: base, fetch, body: { username: 'a', password: 'b' } }));
    expect((fetch.mock.calls[0]?.[0] as Request).headers.has('Authorization')).toBe(false);
  });

  it('ends the session on a 401 to a request that carried the token', async () => {
    const unauthorized = vi.fn();
    configureApi({ token: () => 'tok', unauthorized });
    const fetch = reply(401, problem(401, 'session_ended', 'the session has ended'));
    const err = await call(api.GET('/api/users/me', { baseUrl: base, fetch })).catch((e: unknown) => e);
    expect(unauthorized).toHaveBeenCalledTimes(1);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).sessionEnded).toBe(true);
  });

  it('keeps the session on a wrong current password (401 invalid_credentials)', async () => {
    const unauthorized = vi.fn();
    configureApi({ token: () => 'tok', unauthorized });
    const fetch = reply(401, problem(401, 'invalid_credentials', 'wrong username or password'));
    const err = (await call(
      api.PUT('/api/users/me/password', {
        baseUrl: base,
        fetch,
        body: { current_password: 'x', new_password: 'yyyyyyyy' },
      }),
    ).catch((e: unknown) => e)) as ApiError;
    expect(unauthorized).not.toHaveBeenCalled();
    expect(err.sessionEnded).toBe(false);
    expect(err.message).toBe('Wrong username or password.');
  });

  it('does not end anything on a failed login (no token sent)', async () => {
    const unauthorized = vi.fn();
    configureApi({ token: () => null, unauthorized });
    const fetch = reply(401, problem(401, 'invalid_credentials', 'wrong username or password'));
    await call(api.POST('/api/auth/login', { baseUrl: base, fetch, body: { username: 'a', password: 'b' } })).catch(
      () => undefined,
    );
    expect(unauthorized).not.toHaveBeenCalled();
  });

  it('turns a 429 into the server detail with the wait', async () => {
    configureApi({ token: () => 'tok', unauthorized: () => undefined });
    const fetch = reply(
      429,
      problem(429, 'rate_limited', 'streaming.max_streams_per_user is 1: no stream slot is free; try again later', 'streaming.max_streams_per_user'),
      { 'Retry-After': '20' },
    );
    const err = (await call(
      api.POST('/api/videos/{id}/playback', { baseUrl: base, fetch, params: { path: { id: 'v' } }, body: {} }),
    ).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(429);
    expect(err.retryAfter).toBe(20);
    expect(err.heading).toBe('Stream limit reached');
    expect(err.message).toBe('streaming.max_streams_per_user is 1: no stream slot is free; try again in 20 s.');
    expect(err.code).toBe('rate_limited');
  });

  it('reports an unreachable server as status 0', async () => {
    configureApi({ token: () => null, unauthorized: () => undefined });
    const fetch = vi.fn(async () => {
      throw new TypeError('fetch failed');
    });
    const err = (await call(api.GET('/health', { baseUrl: base, fetch })).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.message).toMatch(/Cannot reach the server/);
  });
});
