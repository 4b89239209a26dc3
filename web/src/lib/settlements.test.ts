import { describe, expect, it } from 'vitest';
import { adjustmentCents, disputable, statusText, monthName, netToSide, oweLine, oweLineFor, periodName, shiftMonth } from './settlements';

describe('settlement wording', () => {
  it("names who owes whom, from the sign of the net (positive: A pays B)", () => {
    expect(oweLine({ netSettlement: 50 }, 'Business A', 'Business B')).toBe('Business A owes Business B $0.50');
    expect(oweLine({ netSettlement: -123456 }, 'Business A', 'Business B')).toBe('Business B owes Business A $1,234.56');
    expect(oweLine({ netSettlement: 0 }, 'A', 'B')).toBe('Nothing is owed: the shares cancel out');
  });

  it('turns the net to each side and says it from that side', () => {
    expect(netToSide({ netSettlement: 50 }, 'A')).toBe(-50);
    expect(netToSide({ netSettlement: 50 }, 'B')).toBe(50);
    expect(oweLineFor(-50, 'Bakery')).toBe('You owe Bakery $0.50');
    expect(oweLineFor(50, 'Cafe')).toBe('Cafe owes you $0.50');
    expect(oweLineFor(0, 'Cafe')).toBe('Nothing is owed');
  });

  it('is disputable while pending and in review, unresolved', () => {
    const s = { status: 'PENDING' as const, reviewEndsAt: '2027-01-08T01:00:00Z' };
    expect(disputable(s, new Date('2027-01-08T00:59:59Z'))).toBe(true);
    expect(disputable(s, new Date('2027-01-08T01:00:00Z'))).toBe(false);
    expect(disputable({ ...s, status: 'DISPUTED' }, new Date('2027-01-02T00:00:00Z'))).toBe(false);
    expect(disputable({ ...s, resolution: { outcome: 'ok', adjustmentCents: 0, resolvedBy: 'PARTIES', resolvedAt: '' } }, new Date('2027-01-02T00:00:00Z'))).toBe(false);
    expect(disputable({ ...s, status: 'HELD' }, new Date('2027-02-01T00:00:00Z')), 'held: disputable past its review').toBe(true);
  });

  it('says a pending settlement awaits payment once its review is over', () => {
    const s = { status: 'PENDING' as const, reviewEndsAt: '2027-01-08T01:00:00Z' };
    expect(statusText(s, new Date('2027-01-02T00:00:00Z'))).toBe('In review');
    expect(statusText(s, new Date('2027-01-08T01:00:00Z'))).toBe('Awaiting payment');
    expect(statusText({ ...s, status: 'PROCESSED' }, new Date('2027-01-02T00:00:00Z'))).toBe('Paid');
  });

  it('names periods by month, quarter, year, or their days', () => {
    expect(periodName('2026-12-01', '2027-01-01')).toBe('December 2026');
    expect(periodName('2027-01-01', '2027-04-01')).toBe('Q1 2027');
    expect(periodName('2027-01-01', '2028-01-01')).toBe('2027');
    expect(periodName('2026-03-01', '2026-07-01')).toBe('Mar 1, 2026 – Jun 30, 2026');
    expect(monthName('2026-02')).toBe('February 2026');
  });

  it('moves across year ends', () => {
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2027-01', -1)).toBe('2026-12');
    expect(shiftMonth('2026-06', -18)).toBe('2024-12');
  });

  it("signs a resolution's adjustment by who owes more, and refuses a missing amount", () => {
    expect(adjustmentCents('none', null)).toBe(0);
    expect(adjustmentCents('A', 25)).toBe(25);
    expect(adjustmentCents('B', 25)).toBe(-25);
    expect(adjustmentCents('A', null)).toBeNull();
    expect(adjustmentCents('B', 0)).toBeNull();
  });
});
