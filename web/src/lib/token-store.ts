// The access token lives in sessionStorage (one tab, survives a reload, gone with the
// tab) and in memory: never in localStorage, never in a cookie.
import type { Account } from './types';

export const STORAGE_KEY = 'homestream.session';

export interface StoredSession {
  token: string;
  /** The account as last seen (refreshed from `GET /api/users/me` at start-up). */
  user: Account | null;
  sessionId: string | null;
  /** Epoch milliseconds after which the token no longer works, when known. */
  expiresAt: number | null;
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The `exp` of a JWT in epoch milliseconds, `null` when it has none or is not a JWT. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload = JSON.parse(base64UrlDecode(parts[1])) as { exp?: unknown };
    return typeof payload.exp === 'number' && Number.isFinite(payload.exp) ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** When a login's token stops working: `expires_in` from now, else the JWT's own `exp`. */
export function expiryOf(token: string, expiresIn: number | null | undefined, now: number): number | null {
  if (typeof expiresIn === 'number' && expiresIn > 0) return now + expiresIn * 1000;
  return jwtExpiry(token);
}

export function isExpired(session: Pick<StoredSession, 'expiresAt'>, now: number): boolean {
  return session.expiresAt !== null && session.expiresAt <= now;
}

export class TokenStore {
  constructor(
    private readonly storage: StorageLike | null,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The stored session, or `null` (and nothing kept) when absent, unreadable or expired. */
  load(): StoredSession | null {
    let raw: string | null = null;
    try {
      raw = this.storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as Partial<StoredSession>;
      if (typeof parsed.token !== 'string' || parsed.token === '') throw new Error('no token');
      const session: StoredSession = {
        token: parsed.token,
        user: parsed.user ?? null,
        sessionId: typeof parsed.sessionId === 'string' ? parsed.sessionId : null,
        expiresAt: typeof parsed.expiresAt === 'number' ? parsed.expiresAt : jwtExpiry(parsed.token),
      };
      if (isExpired(session, this.now())) throw new Error('expired');
      return session;
    } catch {
      this.clear();
      return null;
    }
  }

  save(session: StoredSession): void {
    try {
      this.storage?.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch {
      // Storage full or disabled (private mode): the session lives in memory only.
    }
  }

  clear(): void {
    try {
      this.storage?.removeItem(STORAGE_KEY);
    } catch {
      // nothing to clear
    }
  }
}
