// Viewing analytics: the periods offered, their queries, and figures into words.

export type Bucket = 'hour' | 'day' | 'week';

export interface PeriodChoice {
  id: string;
  label: string;
  bucket: Bucket;
  /** The period's length in milliseconds. */
  span: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const PERIODS: readonly PeriodChoice[] = [
  { id: '24h', label: 'Last 24 hours (by hour)', bucket: 'hour', span: DAY },
  { id: '7d', label: 'Last 7 days (by day)', bucket: 'day', span: 7 * DAY },
  { id: '30d', label: 'Last 30 days (by day)', bucket: 'day', span: 30 * DAY },
  { id: '12w', label: 'Last 12 weeks (by week)', bucket: 'week', span: 84 * DAY },
];

export function periodById(id: string | null | undefined): PeriodChoice {
  return PERIODS.find((p) => p.id === id) ?? (PERIODS[1] as PeriodChoice);
}

/** The query of `GET /api/admin/analytics` for a period ending at `now`. */
export function analyticsQuery(choice: PeriodChoice, now: number = Date.now()): { from: string; to: string; bucket: Bucket } {
  return { from: new Date(now - choice.span).toISOString(), to: new Date(now).toISOString(), bucket: choice.bucket };
}

/** A share (0 to 1) as a whole percentage: `0.333` -> `33 %`. */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '0 %';
  const clamped = Math.min(1, Math.max(0, share));
  const pct = clamped * 100;
  if (pct > 0 && pct < 1) return '<1 %';
  return `${Math.round(pct)} %`;
}

/** Hours with one decimal under 10, whole above: `0.25` -> `0.3 h`. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours) || hours <= 0) return '0 h';
  if (hours < 0.05) return '<0.1 h';
  return hours < 10 ? `${hours.toFixed(1)} h` : `${Math.round(hours)} h`;
}

/** Bar heights in percent of the tallest value (a value above 0 gets at least 2 %). */
export function barHeights(values: readonly number[]): number[] {
  const max = Math.max(0, ...values);
  if (max <= 0) return values.map(() => 0);
  return values.map((v) => (v <= 0 ? 0 : Math.max(2, (v / max) * 100)));
}

/** A bucket's start as a short label for its width. */
export function bucketLabel(iso: string, bucket: Bucket): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (bucket === 'hour') return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
