import { describe, expect, it } from 'vitest';
import { guestCodeHref, guestCodeOf } from './routes';

describe('guest codes typed or pasted on the sign-in page', () => {
  it('takes a bare code as it is, trimmed', () => {
    expect(guestCodeOf('  abc-DEF_123 ')).toBe('abc-DEF_123');
    expect(guestCodeOf('   ')).toBe('');
  });

  it('takes the code out of a whole link', () => {
    expect(guestCodeOf('https://tv.example/guest?code=XyZ123')).toBe('XyZ123');
    expect(guestCodeOf('http://h:3000/guest?x=1&code=a%2Bb#top')).toBe('a+b');
    expect(guestCodeOf('/guest?code=')).toBe('');
  });

  it('builds the guest page link', () => {
    expect(guestCodeHref('a b')).toBe('/guest?code=a%20b');
    expect(guestCodeHref('https://x/guest?code=K1')).toBe('/guest?code=K1');
    expect(guestCodeHref('')).toBe('/guest');
  });
});
