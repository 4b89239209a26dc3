// Money on screen. The API speaks integer cents (and exact decimal strings
// on input); these never go through floating point.

/** "$1,234.05" from integer cents; "-$0.50" for a negative amount. */
export function formatCents(cents: number, opts: { signed?: boolean } = {}): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const dollars = Math.trunc(abs / 100).toLocaleString('en-US');
  const rest = String(abs % 100).padStart(2, '0');
  const sign = negative ? '-' : opts.signed && cents > 0 ? '+' : '';
  return `${sign}$${dollars}.${rest}`;
}

const DECIMAL = /^\d{1,9}(\.\d{1,2})?$/;

/**
 * A user's decimal ("5", "2.5", "$3.00") as hundredths (cents, or basis points
 * of a percentage), or null when it is not a non-negative number with at most
 * two decimals. Parsed as text: "0.29" is 29, never 28.999….
 */
export function parseHundredths(text: string): number | null {
  const t = text.trim().replace(/^\$/, '').replace(/,/g, '');
  if (!DECIMAL.test(t)) return null;
  const [whole, frac = ''] = t.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** Hundredths back to the exact decimal string the API takes ("5", "2.5", "0.25"). */
export function hundredthsToDecimal(value: number): string {
  const whole = Math.trunc(value / 100);
  const frac = value % 100;
  if (frac === 0) return String(whole);
  return `${whole}.${String(frac).padStart(2, '0').replace(/0$/, '')}`;
}

/** "5%" / "2.5%" from basis points. */
export function formatBps(bps: number): string {
  return `${hundredthsToDecimal(bps)}%`;
}
