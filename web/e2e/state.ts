// What global setup hands to the tests.

export interface SuiteState {
  /** The homestream the setup started. */
  serverUrl: string;
  /** Where pages open: the server itself, or HS_WEB_URL (a Vite dev server). */
  webUrl: string;
  /** Videos by file name. */
  videos: Record<string, { id: string; title: string }>;
  root: string;
}

export interface TestUser {
  username: string;
  password: string;
  role: 'admin' | 'user' | 'guest';
}

const pw = 'correct-horse-9';

// One user per area: the stream limit (1 per user) never crosses tests.
export const USERS = {
  admin: { username: 'admin', password: pw, role: 'admin' },
  alice: { username: 'alice', password: pw, role: 'user' },
  bob: { username: 'bob', password: pw, role: 'user' },
  carl: { username: 'carl', password: pw, role: 'user' },
  dora: { username: 'dora', password: pw, role: 'user' },
  erin: { username: 'erin', password: pw, role: 'user' },
  fay: { username: 'fay', password: pw, role: 'user' },
  hank: { username: 'hank', password: pw, role: 'user' },
  ivy: { username: 'ivy', password: pw, role: 'user' },
  jack: { username: 'jack', password: pw, role: 'user' },
  kim: { username: 'kim', password: pw, role: 'user' },
  // Per-library access and analytics.
  lena: { username: 'lena', password: pw, role: 'user' },
  milo: { username: 'milo', password: pw, role: 'user' },
  // A refused autoplay, on a phone.
  nina: { username: 'nina', password: pw, role: 'user' },
  // Series: next up, the next episode, watched marks.
  olga: { username: 'olga', password: pw, role: 'user' },
  // Seek previews.
  pia: { username: 'pia', password: pw, role: 'user' },
  // The TV layout, driven by a remote's keys.
  tv: { username: 'tv', password: pw, role: 'user' },
  shots: { username: 'shots', password: pw, role: 'admin' },
  pages: { username: 'pages', password: pw, role: 'admin' },
} satisfies Record<string, TestUser>;
