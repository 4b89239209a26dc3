// What a settlement says, in words a business owner reads: who owes whom
// how much, until when it can be disputed, which period it covers. Free of
// I/O; amounts are integer cents (money.ts formats them).
import { formatCents } from './money';
import type { Schemas } from './api/client';

export type Settlement = Schemas['Settlement'];

/** "Business A owes Business B $0.50", or "Nothing is owed" when the net is zero. */
export function oweLine(s: Pick<Settlement, 'netSettlement'>, nameA: string, nameB: string): string {
  const net = s.netSettlement;
  if (net === 0) return 'Nothing is owed: the shares cancel out';
  return net > 0 ? `${nameA} owes ${nameB} ${formatCents(net)}` : `${nameB} owes ${nameA} ${formatCents(-net)}`;
}

/** From one side: "You owe Partner $0.50", "Partner owes you $0.50", "Nothing is owed". `netToYou` is positive when the partner pays. */
export function oweLineFor(netToYou: number, partner: string): string {
  if (netToYou === 0) return 'Nothing is owed';
  return netToYou > 0 ? `${partner} owes you ${formatCents(netToYou)}` : `You owe ${partner} ${formatCents(-netToYou)}`;
}

/** A settlement's net from `side`: positive when the partner pays that side. */
export function netToSide(s: Pick<Settlement, 'netSettlement'>, side: 'A' | 'B'): number {
  return side === 'A' ? -s.netSettlement : s.netSettlement;
}

/** Whether a party may still dispute it at `now` (the API decides; this hides what it would refuse). */
export function disputable(s: Pick<Settlement, 'status' | 'reviewEndsAt' | 'resolution'>, now: Date): boolean {
  if (s.status === 'HELD') return !s.resolution; // held: disputable until released, whatever the review
  return s.status === 'PENDING' && !s.resolution && now.getTime() < new Date(s.reviewEndsAt).getTime();
}

/** What each anomaly rule means, in the words a business owner reads. */
export const FLAG_TEXT: Record<string, string> = {
  RAPID_REDEMPTIONS: 'A customer redeemed many times within an hour at one business',
  DAILY_SPIKE: 'A day had far more recordings than the days before it',
  HIGH_REVERSALS: 'An unusual share of the transactions were reversed',
  FAR_FROM_RECORDER: "Sales were recorded far from the recording business's address",
  HIGH_VALUE: 'The period is above the review volume: every such period is reviewed',
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function ymd(text: string): [number, number, number] {
  const [y, m, d] = text.split('-').map(Number);
  return [y, m, d];
}

/** A period [start, end) by name: "December 2026", "Q1 2027", "2027", or "Mar 1, 2026 – Jun 30, 2026" for an uneven one. */
export function periodName(start: string, end: string): string {
  const [y, m, d] = ymd(start);
  const [ey, em, ed] = ymd(end);
  const months = (ey - y) * 12 + (em - m);
  if (d === 1 && ed === 1) {
    if (months === 1) return `${MONTHS[m - 1]} ${y}`;
    if (months === 3 && (m - 1) % 3 === 0) return `Q${(m - 1) / 3 + 1} ${y}`;
    if (months === 12 && m === 1) return `${y}`;
  }
  const last = new Date(Date.UTC(ey, em - 1, ed) - 86_400_000);
  const fmt = (dt: Date) => dt.toLocaleDateString('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' });
  return `${fmt(new Date(Date.UTC(y, m - 1, d)))} – ${fmt(last)}`;
}

/** "December 2026" from "2026-12". */
export function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/** The month before or after "YYYY-MM". */
export function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number);
  const i = y * 12 + (m - 1) + by;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

const STATUS_TEXT: Record<Settlement['status'], string> = {
  PENDING: 'In review',
  HELD: 'Held for review',
  DISPUTED: 'Disputed',
  PAYING: 'Being paid',
  PROCESSED: 'Paid',
};

/** "In review" until the review ends, then "Awaiting payment"; "Held for review", "Disputed", "Being paid", "Paid". */
export function statusText(s: Pick<Settlement, 'status' | 'reviewEndsAt'>, now: Date): string {
  if (s.status === 'PENDING' && now.getTime() >= new Date(s.reviewEndsAt).getTime()) return 'Awaiting payment';
  return STATUS_TEXT[s.status];
}

/**
 * A resolution's adjustment as the API takes it (signed cents, positive when
 * A owes B more) from what the owner chose: who owes more, and how much.
 */
export function adjustmentCents(direction: 'none' | 'A' | 'B', cents: number | null): number | null {
  if (direction === 'none') return 0;
  if (cents === null || cents <= 0) return null;
  return direction === 'A' ? cents : -cents;
}
