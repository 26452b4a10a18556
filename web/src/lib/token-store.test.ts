import { describe, expect, it } from 'vitest';
import { expiryOf, jwtExpiry, STORAGE_KEY, TokenStore, type StoredSession } from './token-store';

class MemoryStorage {
  data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

function jwt(payload: object): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  return `${b64('{"alg":"HS256"}')}.${b64(JSON.stringify(payload))}.sig`;
}

const session: StoredSession = { token: 'tok', user: null, sessionId: 's1', expiresAt: 10_000 };

describe('TokenStore', () => {
  it('keeps a session and gives it back', () => {
    const storage = new MemoryStorage();
    const store = new TokenStore(storage, () => 5_000);
    store.save(session);
    expect(storage.data.has(STORAGE_KEY)).toBe(true);
    expect(store.load()).toEqual(session);
  });

  it('forgets an expired session', () => {
    const storage = new MemoryStorage();
    new TokenStore(storage, () => 0).save(session);
    const later = new TokenStore(storage, () => 10_000);
    expect(later.load()).toBeNull();
    expect(storage.data.has(STORAGE_KEY)).toBe(false);
  });

  it('clears on logout', () => {
    const storage = new MemoryStorage();
    const store = new TokenStore(storage, () => 0);
    store.save(session);
    store.clear();
    expect(store.load()).toBeNull();
  });

  it('drops unreadable or tokenless data', () => {
    const storage = new MemoryStorage();
    const store = new TokenStore(storage, () => 0);
    storage.setItem(STORAGE_KEY, '{nope');
    expect(store.load()).toBeNull();
    expect(storage.data.has(STORAGE_KEY)).toBe(false);
    storage.setItem(STORAGE_KEY, JSON.stringify({ token: '' }));
    expect(store.load()).toBeNull();
  });

  it('works without storage (memory only)', () => {
    const store = new TokenStore(null);
    store.save(session);
    expect(store.load()).toBeNull();
  });

  it('survives a storage that throws', () => {
    const throwing = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const store = new TokenStore(throwing);
    expect(() => store.save(session)).not.toThrow();
    expect(store.load()).toBeNull();
    expect(() => store.clear()).not.toThrow();
  });

  it('takes the expiry from the JWT when none was stored', () => {
    const storage = new MemoryStorage();
    storage.setItem(STORAGE_KEY, JSON.stringify({ token: jwt({ exp: 100 }) }));
    expect(new TokenStore(storage, () => 99_000).load()?.expiresAt).toBe(100_000);
    expect(new TokenStore(storage, () => 100_000).load()).toBeNull();
  });
});

describe('expiry', () => {
  it('reads exp from a JWT', () => {
    expect(jwtExpiry(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(jwtExpiry(jwt({ sub: 'x' }))).toBeNull();
    expect(jwtExpiry('not-a-jwt')).toBeNull();
    expect(jwtExpiry('a.%%%.c')).toBeNull();
  });

  it('prefers expires_in from the login answer', () => {
    expect(expiryOf(jwt({ exp: 5 }), 60, 1000)).toBe(61_000);
    expect(expiryOf(jwt({ exp: 5 }), null, 1000)).toBe(5000);
  });
});
