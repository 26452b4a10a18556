// How numbers, times, sizes and media facts are shown.

/** A clock position: `0:07`, `12:34`, `1:02:03`. */
export function formatTime(seconds: number | null | undefined): string {
  const total = seconds == null || !Number.isFinite(seconds) || seconds < 0 ? 0 : Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A length in words: `1 h 32 min`, `12 min`, `45 s`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds <= 0) return '';
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.round((total % 3600) / 60);
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Bytes in decimal units: `812 B`, `4.2 MB`, `1.35 GB`. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** A bit rate: `850 kb/s`, `4.5 Mb/s`. */
export function formatBitrate(bitsPerSecond: number | null | undefined): string {
  if (bitsPerSecond == null || !Number.isFinite(bitsPerSecond) || bitsPerSecond <= 0) return '';
  if (bitsPerSecond < 1_000_000) return `${Math.round(bitsPerSecond / 1000)} kb/s`;
  return `${(bitsPerSecond / 1_000_000).toFixed(1)} Mb/s`;
}

/**
 * The badge for a picture size, by width as well as height so that a 1920x800 film is
 * 1080p: `4K`, `1440p`, `1080p`, `720p`, `480p`, else the height (`360p`).
 */
export function resolutionLabel(width: number | null | undefined, height: number | null | undefined): string {
  const w = width ?? 0;
  const h = height ?? 0;
  if (w <= 0 && h <= 0) return '';
  if (w >= 3800 || h >= 2100) return '4K';
  if (w >= 2500 || h >= 1400) return '1440p';
  if (w >= 1900 || h >= 1000) return '1080p';
  if (w >= 1260 || h >= 700) return '720p';
  if (h >= 460 || w >= 840) return '480p';
  return h > 0 ? `${h}p` : 'SD';
}

const CODECS: Record<string, string> = {
  h264: 'H.264',
  hevc: 'HEVC',
  h265: 'HEVC',
  av1: 'AV1',
  vp8: 'VP8',
  vp9: 'VP9',
  mpeg4: 'MPEG-4',
  mpeg2video: 'MPEG-2',
  aac: 'AAC',
  mp3: 'MP3',
  opus: 'Opus',
  vorbis: 'Vorbis',
  flac: 'FLAC',
  ac3: 'AC-3',
  eac3: 'E-AC-3',
  dts: 'DTS',
  truehd: 'TrueHD',
  alac: 'ALAC',
  pcm_s16le: 'PCM',
  subrip: 'SubRip',
  srt: 'SRT',
  ass: 'ASS',
  ssa: 'SSA',
  webvtt: 'WebVTT',
  vtt: 'WebVTT',
  mov_text: 'MP4 text',
  hdmv_pgs_subtitle: 'PGS',
  dvd_subtitle: 'VobSub',
};

export function codecLabel(codec: string | null | undefined): string {
  if (!codec) return '';
  return CODECS[codec.toLowerCase()] ?? codec.toUpperCase();
}

/** Channel layouts by count: `Mono`, `Stereo`, `5.1`, `7.1`. */
export function channelsLabel(channels: number | null | undefined): string {
  switch (channels) {
    case null:
    case undefined:
    case 0:
      return '';
    case 1:
      return 'Mono';
    case 2:
      return 'Stereo';
    case 6:
      return '5.1';
    case 8:
      return '7.1';
    default:
      return `${channels} ch`;
  }
}

// ISO 639-2 (bibliographic and terminology) codes to ISO 639-1, for Intl.DisplayNames.
const TWO_LETTER: Record<string, string> = {
  eng: 'en', fra: 'fr', fre: 'fr', deu: 'de', ger: 'de', spa: 'es', ita: 'it', por: 'pt',
  nld: 'nl', dut: 'nl', jpn: 'ja', zho: 'zh', chi: 'zh', kor: 'ko', rus: 'ru', swe: 'sv',
  nor: 'no', dan: 'da', fin: 'fi', pol: 'pl', ara: 'ar', hin: 'hi', tur: 'tr', ces: 'cs',
  cze: 'cs', ell: 'el', gre: 'el', heb: 'he', hun: 'hu', ukr: 'uk', ron: 'ro', rum: 'ro',
  tha: 'th', vie: 'vi', ind: 'id', cat: 'ca', hrv: 'hr', srp: 'sr', slk: 'sk', slo: 'sk',
  slv: 'sl', bul: 'bg', est: 'et', lav: 'lv', lit: 'lt', isl: 'is', ice: 'is', gle: 'ga',
  msa: 'ms', may: 'ms', fas: 'fa', per: 'fa', tam: 'ta', tel: 'te', ben: 'bn', urd: 'ur',
};

let names: Intl.DisplayNames | null | undefined;

/** A language code (`eng`, `fr`, `pt-BR`) as an English name; `und` and unknown codes as given. */
export function languageName(code: string | null | undefined): string {
  if (!code) return '';
  const lower = code.toLowerCase();
  if (lower === 'und' || lower === 'mul' || lower === 'zxx') return lower === 'mul' ? 'Multiple' : 'Unknown';
  const tag = TWO_LETTER[lower] ?? lower;
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames(['en'], { type: 'language' });
    } catch {
      names = null;
    }
  }
  try {
    const name = names?.of(tag);
    if (name && name.toLowerCase() !== tag) return name;
  } catch {
    // not a valid language tag
  }
  return code;
}

/** The same language under its 2- or 3-letter codes (`en`, `eng`; `fre`, `fra`). */
export function sameLanguage(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || (TWO_LETTER[x] ?? x) === (TWO_LETTER[y] ?? y);
}

/** A date and time in the reader's locale. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** How long ago: `just now`, `5 minutes ago`, `yesterday`, `3 weeks ago`. */
export function formatAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return '';
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return '';
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const steps: [number, Intl.RelativeTimeFormatUnit][] = [
    [3600, 'minute'],
    [86400, 'hour'],
    [604800, 'day'],
    [2629800, 'week'],
    [31557600, 'month'],
  ];
  const size: Record<string, number> = { minute: 60, hour: 3600, day: 86400, week: 604800, month: 2629800 };
  for (const [limit, unit] of steps) {
    if (abs < limit) return rtf.format(Math.round(seconds / (size[unit] ?? 1)), unit);
  }
  return rtf.format(Math.round(seconds / 31557600), 'year');
}
