import { describe, expect, it } from 'vitest';
import { formatBps, formatCents, hundredthsToDecimal, parseHundredths } from './money';

describe('formatCents', () => {
  it('formats whole cents without floating point', () => {
    expect(formatCents(25)).toBe('$0.25');
    expect(formatCents(123405)).toBe('$1,234.05');
    expect(formatCents(0)).toBe('$0.00');
    expect(formatCents(-50)).toBe('-$0.50');
    expect(formatCents(15500, { signed: true })).toBe('+$155.00');
    expect(formatCents(-15500, { signed: true })).toBe('-$155.00');
    expect(formatCents(Number.MAX_SAFE_INTEGER)).toBe('$90,071,992,547,409.91');
  });
  it('refuses what is not whole cents', () => {
    expect(() => formatCents(0.1 + 0.2)).toThrow(RangeError);
    expect(() => formatCents(Number.NaN)).toThrow(RangeError);
  });
});

describe('parseHundredths', () => {
  it('reads decimals as text', () => {
    expect(parseHundredths('5')).toBe(500);
    expect(parseHundredths('2.5')).toBe(250);
    expect(parseHundredths('0.29')).toBe(29);
    expect(parseHundredths('$3.00')).toBe(300);
    expect(parseHundredths(' 1,000.10 ')).toBe(100010);
  });
  it('refuses anything else', () => {
    for (const bad of ['', '-1', '1.234', 'abc', '1e3', '.5', '5.', 'NaN', '9999999999']) {
      expect(parseHundredths(bad), bad).toBeNull();
    }
  });
  it('round-trips with hundredthsToDecimal', () => {
    for (const v of [0, 1, 10, 25, 250, 500, 1234, 999999]) {
      expect(parseHundredths(hundredthsToDecimal(v))).toBe(v);
    }
    expect(formatBps(250)).toBe('2.5%');
    expect(formatBps(500)).toBe('5%');
  });
});
