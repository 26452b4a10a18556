// Guest passes: the create form's values into the request, and a pass's state.
import type { components } from '$api/schema';

type GuestPass = components['schemas']['GuestPass'];
type NewGuestPass = components['schemas']['NewGuestPass'];

export type PassState = 'active' | 'revoked' | 'expired' | 'used up';

export function passState(pass: Pick<GuestPass, 'revoked_at' | 'expires_at' | 'uses' | 'max_uses'>, now: number = Date.now()): PassState {
  if (pass.revoked_at) return 'revoked';
  if (Date.parse(pass.expires_at) <= now) return 'expired';
  if (pass.uses >= pass.max_uses) return 'used up';
  return 'active';
}

function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/**
 * The request body: hours 1 to 720, uses 1 to 1,000, a blank label left out, and the
 * libraries only when some (not all) are chosen.
 */
export function newPassBody(form: { label: string; validHours: number; maxUses: number; libraries: readonly string[]; all: readonly string[] }): NewGuestPass {
  const body: NewGuestPass = {
    valid_hours: clampInt(form.validHours, 1, 720),
    max_uses: clampInt(form.maxUses, 1, 1000),
  };
  const label = form.label.trim();
  if (label) body.label = label;
  const chosen = form.all.filter((n) => form.libraries.includes(n));
  if (chosen.length < form.all.length) body.libraries = chosen;
  return body;
}

/** Access as words: absent is every library. */
export function librariesLabel(libraries: readonly string[] | null | undefined): string {
  if (libraries === null || libraries === undefined) return 'All libraries';
  if (libraries.length === 0) return 'No library';
  return libraries.join(', ');
}
