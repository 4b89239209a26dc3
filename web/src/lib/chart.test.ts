import { describe, expect, it } from 'vitest';
import { chartData } from './chart';

describe('chartData', () => {
  it('puts months in order at their first day, amounts in dollars', () => {
    const row = (month: string, earned: number, paid: number) => ({ month, revenueEarnedFromPartner: earned, revenuePaidToPartner: paid, net: earned - paid });
    expect(chartData([row('2026-03', 50, 0), row('2026-01', 0, 25), row('bad', 1, 1)])).toEqual([
      [Date.UTC(2026, 0, 1) / 1000, Date.UTC(2026, 2, 1) / 1000],
      [0, 0.5],
      [0.25, 0],
      [-0.25, 0.5],
    ]);
    expect(chartData([])).toEqual([[], [], [], []]);
  });
});
