// Every call to the server goes through the generated OpenAPI types and openapi-fetch.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '$api/schema';
import { isProblem, parseRetryAfter, problemHeading, problemMessage, type ProblemBody } from './problem';

/** A failed call: the status, the server's problem document and `Retry-After`. */
export class ApiError extends Error {
  readonly heading: string;
  constructor(
    readonly status: number,
    readonly problem: ProblemBody | null,
    readonly retryAfter: number | null,
    /** The session ended with it (401): the app is already on its way to sign-in. */
    readonly sessionEnded: boolean = false,
  ) {
    super(problemMessage(status, problem, retryAfter));
    this.name = 'ApiError';
    this.heading = problemHeading(status, problem?.limit);
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

/** The error of a response that was not ok. */
export function errorOf(response: Response, body: unknown, sentToken = false): ApiError {
  return new ApiError(
    response.status,
    isProblem(body) ? body : null,
    parseRetryAfter(response.headers.get('Retry-After')),
    response.status === 401 && sentToken,
  );
}

interface Hooks {
  token: () => string | null;
  /** A request with the token was answered 401: the session is over. */
  unauthorized: () => void;
}

let hooks: Hooks = { token: () => null, unauthorized: () => {} };
/** Responses whose 401 ended the session (the token is cleared by the time callers look). */
const endedSession = new WeakSet<Response>();

export function configureApi(h: Hooks): void {
  hooks = h;
}

const bearer: Middleware = {
  onRequest({ request }) {
    const token = hooks.token();
    if (token && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${token}`);
    }
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) {
      // A wrong current password (changeMyPassword) or guest code (opened while signed
      // in) is also a 401, from a session that goes on: only the other 401s end it.
      let code: unknown;
      try {
        code = ((await response.clone().json()) as { code?: unknown }).code;
      } catch {
        code = undefined;
      }
      if (code !== 'invalid_credentials' && code !== 'invalid_guest_pass') {
        endedSession.add(response);
        hooks.unauthorized();
      }
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(bearer);

/**
 * A client for the streaming routes with a signed link (`?token=`) instead of the
 * bearer token, as `<video>` and hls.js open them: used to read why a media request
 * was refused.
 */
export function linkClient(token: string) {
  const client = createClient<paths>({ baseUrl: '' });
  client.use({
    onRequest({ request }) {
      const url = new URL(request.url);
      url.searchParams.set('token', token);
      return new Request(url, request);
    },
  });
  return client;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The data of a successful call, else an {@link ApiError} (also for network failures). */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await request;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, null, null);
  }
  if (!result.response.ok) {
    throw errorOf(result.response, result.error, endedSession.has(result.response));
  }
  return result.data as T;
}

/** The message to show for anything thrown by a call. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
