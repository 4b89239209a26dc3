// CSV for spreadsheets (RFC 4180): every field quoted when it needs to be,
// amounts as exact dollars from integer cents, one header row.
import { hundredthsToDecimal } from './money';

export function field(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  // A leading = + - @ would be read as a formula by a spreadsheet.
  const safe = /^[=+\-@]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Signed cents as a plain decimal: -50 is "-0.50", 1234 is "12.34". */
export function dollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const text = hundredthsToDecimal(abs);
  const [whole, frac = ''] = text.split('.');
  return `${sign}${whole}.${frac.padEnd(2, '0')}`;
}
