import { describe, expect, it } from 'vitest';
import { defaultTerms, describeTerms, fromTerms, toTerms } from './terms';

describe('toTerms', () => {
  it("builds the wireframe's 5% both ways", () => {
    expect(toTerms(defaultTerms)).toEqual({
      terms: { type: 'PERCENTAGE', settlementFrequency: 'MONTHLY', businessAShare: '5', businessBShare: '5' },
      errors: {},
    });
  });
  it('keeps decimals exact', () => {
    const { terms } = toTerms({ ...defaultTerms, youPay: '2.50', partnerPays: '0.29' });
    expect(terms).toMatchObject({ businessAShare: '2.5', businessBShare: '0.29' });
  });
  it('puts each bad field in its place', () => {
    expect(toTerms({ ...defaultTerms, youPay: '101', partnerPays: 'x' }).errors).toEqual({
      youPay: expect.any(String),
      partnerPays: expect.any(String),
    });
    expect(toTerms({ ...defaultTerms, sharing: 'FIXED_FEE', fixedFee: '0' }).errors.fixedFee).toBeDefined();
    expect(toTerms({ ...defaultTerms, sharing: 'HYBRID', bonusThreshold: '0' }).errors.bonusThreshold).toBeDefined();
    expect(toTerms({ ...defaultTerms, sharing: 'HYBRID', bonusThreshold: '2.5' }).errors.bonusThreshold).toBeDefined();
  });
  it('sends only the chosen model', () => {
    expect(toTerms({ ...defaultTerms, sharing: 'FIXED_FEE', fixedFee: '$0.25' }).terms).toEqual({
      type: 'FIXED_FEE',
      settlementFrequency: 'MONTHLY',
      fixedFeePerTransaction: '0.25',
    });
    expect(toTerms({ ...defaultTerms, sharing: 'HYBRID', frequency: 'QUARTERLY' }).terms).toEqual({
      type: 'HYBRID',
      settlementFrequency: 'QUARTERLY',
      basePercentage: '3',
      bonusThreshold: 100,
      bonusPercentage: '5',
    });
  });
  it('round-trips the terms the API gives back', () => {
    const t = { type: 'PERCENTAGE', settlementFrequency: 'ANNUAL', businessAShare: 7.5, businessBShare: 2 } as const;
    expect(toTerms(fromTerms(t)).terms).toEqual({ ...t, businessAShare: '7.5', businessBShare: '2' });
  });
  it('reads the terms from each side', () => {
    const t = { type: 'PERCENTAGE', settlementFrequency: 'MONTHLY', businessAShare: '5', businessBShare: '2.5' } as const;
    expect(describeTerms(t, 'A')).toBe('You pay 5% of reward value; partner pays 2.5%; settled monthly');
    expect(describeTerms(t, 'B')).toBe('You pay 2.5% of reward value; partner pays 5%; settled monthly');
  });
});
