// The partnership chart's data: one point per month, oldest first, in
// dollars (uPlot plots numbers; the cents stay exact until this last step).

export interface MonthRow {
  month: string; // "2026-03"
  revenueEarnedFromPartner: number; // cents
  revenuePaidToPartner: number; // cents
  net: number; // signed cents
}

/** [x: month starts in unix seconds, earned $, paid $, net $] for uPlot. */
export function chartData(months: MonthRow[]): [number[], number[], number[], number[]] {
  const sorted = [...months].filter((m) => /^\d{4}-\d{2}$/.test(m.month)).sort((a, b) => a.month.localeCompare(b.month));
  const x = sorted.map((m) => Date.UTC(Number(m.month.slice(0, 4)), Number(m.month.slice(5, 7)) - 1, 1) / 1000);
  const dollars = (cents: number) => cents / 100;
  return [
    x,
    sorted.map((m) => dollars(m.revenueEarnedFromPartner)),
    sorted.map((m) => dollars(m.revenuePaidToPartner)),
    sorted.map((m) => dollars(m.net)),
  ];
}
