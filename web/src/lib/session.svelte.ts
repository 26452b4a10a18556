// Who is signed in: the token (sessionStorage and memory), the account, preferences.
import { api, call, configureApi } from './api';
import { currentDeviceHints, deviceName, deviceType } from './device';
import { expiryOf, TokenStore } from './token-store';
import type { Account, Preferences } from './types';

class SessionState {
  token = $state<string | null>(null);
  user = $state<Account | null>(null);
  sessionId = $state<string | null>(null);
  /** Why the last session ended, for the sign-in page. */
  notice = $state('');
  preferences = $state<Preferences | null>(null);
  isAdmin = $derived(this.user?.role === 'admin');
  /** A guest watches and keeps their place, and changes nothing but the quality. */
  isGuest = $derived(this.user?.role === 'guest');
}

export const session = new SessionState();

const store = new TokenStore(typeof sessionStorage === 'undefined' ? null : sessionStorage);
let expiryTimer: ReturnType<typeof setTimeout> | undefined;

function schedule(expiresAt: number | null): void {
  clearTimeout(expiryTimer);
  if (expiresAt === null) return;
  const ms = expiresAt - Date.now();
  // setTimeout cannot wait past ~24.8 days; tokens end long before.
  if (ms < 2 ** 31 - 1) expiryTimer = setTimeout(() => end('Your session has expired. Sign in again.'), Math.max(0, ms));
}

/** Ends the session here (after logout, a 401, expiry): the app returns to sign-in. */
export function end(notice = ''): void {
  clearTimeout(expiryTimer);
  store.clear();
  session.token = null;
  session.user = null;
  session.sessionId = null;
  session.preferences = null;
  session.notice = notice;
}

configureApi({
  token: () => session.token,
  unauthorized: () => {
    if (session.token) end('Your session has ended (signed out elsewhere, expired or deactivated). Sign in again.');
  },
});

/** The session kept in this tab, if any. */
export function restore(): void {
  const saved = store.load();
  if (!saved) return;
  session.token = saved.token;
  session.user = saved.user;
  session.sessionId = saved.sessionId;
  schedule(saved.expiresAt);
}

export async function login(username: string, password: string): Promise<void> {
  const hints = currentDeviceHints();
  const r = await call(
    api.POST('/api/auth/login', {
      body: {
        username,
        password,
        device_name: deviceName(hints).slice(0, 100),
        device_type: deviceType(hints),
      },
    }),
  );
  const expiresAt = expiryOf(r.access_token, r.expires_in, Date.now());
  store.save({ token: r.access_token, user: r.user, sessionId: r.session_id, expiresAt });
  session.notice = '';
  session.token = r.access_token;
  session.user = r.user;
  session.sessionId = r.session_id;
  schedule(expiresAt);
}

/** Opens a temporary guest session with a guest pass's code (no account needed). */
export async function redeemGuestCode(code: string): Promise<void> {
  const hints = currentDeviceHints();
  const r = await call(
    api.POST('/api/auth/guest', {
      body: {
        code,
        device_name: deviceName(hints).slice(0, 100),
        device_type: deviceType(hints),
      },
    }),
  );
  const expiresAt = expiryOf(r.access_token, r.expires_in, Date.now());
  store.save({ token: r.access_token, user: r.user, sessionId: r.session_id, expiresAt });
  session.notice = '';
  session.token = r.access_token;
  session.user = r.user;
  session.sessionId = r.session_id;
  schedule(expiresAt);
}

export async function logout(): Promise<void> {
  // Forgotten in this tab before the server is asked: a reload or a page opened while
  // the request is under way starts signed out, not with the session being ended.
  store.clear();
  try {
    // keepalive: the request outlives a page left or reloaded meanwhile, so the server
    // ends the session the user asked to end.
    await call(api.POST('/api/auth/logout', { keepalive: true }));
  } catch {
    // Already ended on the server: signing out here is all that is left.
  }
  end('You have signed out.');
}

/** The account as the server has it now (a role changed by an administrator). */
export async function refreshMe(): Promise<void> {
  const token = session.token;
  if (!token) return;
  const me = await call(api.GET('/api/users/me'));
  if (session.token !== token) return;
  session.user = me;
  const saved = store.load();
  if (saved) store.save({ ...saved, user: me });
}

/** The caller's preferences, fetched once per session. */
export async function loadPreferences(): Promise<Preferences | null> {
  if (session.preferences) return session.preferences;
  try {
    session.preferences = await call(api.GET('/api/users/me/preferences'));
  } catch {
    return null;
  }
  return session.preferences;
}
