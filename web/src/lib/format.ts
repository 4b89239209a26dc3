// Small formatting rules shared by the screens.

const KM_PER_MILE = 1.609344;

export function kmToMiles(km: number): number {
  return km / KM_PER_MILE;
}

/** "0.8 miles away", "1 mile away", "12 miles away". */
export function milesAway(km: number): string {
  const mi = kmToMiles(km);
  const shown = mi < 10 ? Math.round(mi * 10) / 10 : Math.round(mi);
  return `${shown} ${shown === 1 ? 'mile' : 'miles'} away`;
}

/** "4.8 out of 5 (127 reviews)"; "No reviews yet". */
export function ratingText(rating: number | undefined, count: number | undefined): string {
  if (!count) return 'No reviews yet';
  return `${(rating ?? 0).toFixed(1)} out of 5 (${count.toLocaleString('en-US')} ${count === 1 ? 'review' : 'reviews'})`;
}

/** "1,234 loyal customers". */
export function countOf(n: number | undefined, one: string, many: string): string {
  const v = n ?? 0;
  return `${v.toLocaleString('en-US')} ${v === 1 ? one : many}`;
}

export const TYPE_LABELS = {
  POINTS_COALITION: 'Points Coalition (earn/redeem at both)',
  CROSS_REDEMPTION: 'Cross-Redemption Only (redeem only)',
  REFERRAL_ONLY: 'Referral Only (reward for referrals)',
} as const;

/** How long a partnership has been live, in whole calendar months: "3 months", "less than a month". */
export function liveFor(activatedAt: string | null | undefined, now: Date): string | null {
  if (!activatedAt) return null;
  const since = new Date(activatedAt);
  if (Number.isNaN(since.getTime())) return null;
  let months = (now.getUTCFullYear() - since.getUTCFullYear()) * 12 + (now.getUTCMonth() - since.getUTCMonth());
  if (now.getUTCDate() < since.getUTCDate()) months -= 1;
  if (months < 1) return 'less than a month';
  return `${months} ${months === 1 ? 'month' : 'months'}`;
}
