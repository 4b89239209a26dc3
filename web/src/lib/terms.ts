// The configure-partnership form's rules: what the owner typed, checked
// the way the API checks it (exact decimals, at most two places), turned
// into the API's RevenueSharingConfig. The API stays the judge: its codes
// come back as field errors too.
import type { Schemas } from './api/client';
import { parseHundredths, hundredthsToDecimal } from './money';

export type SharingType = 'PERCENTAGE' | 'FIXED_FEE' | 'HYBRID';
export type Frequency = 'MONTHLY' | 'QUARTERLY' | 'ANNUAL';

export interface TermsForm {
  sharing: SharingType;
  youPay: string; // % (PERCENTAGE): business A's share, A being the inviter
  partnerPays: string; // % (PERCENTAGE)
  fixedFee: string; // $ (FIXED_FEE)
  basePercentage: string; // % (HYBRID)
  bonusThreshold: string; // transactions (HYBRID)
  bonusPercentage: string; // % (HYBRID)
  frequency: Frequency;
}

export const defaultTerms: TermsForm = {
  sharing: 'PERCENTAGE',
  youPay: '5',
  partnerPays: '5',
  fixedFee: '0.25',
  basePercentage: '3',
  bonusThreshold: '100',
  bonusPercentage: '5',
  frequency: 'MONTHLY',
};

export type FieldErrors = Partial<Record<keyof TermsForm, string>>;

function percent(text: string, errors: FieldErrors, field: keyof TermsForm): string | undefined {
  const v = parseHundredths(text);
  if (v === null || v > 10_000) {
    errors[field] = 'Enter a percentage from 0 to 100, with at most two decimals.';
    return undefined;
  }
  return hundredthsToDecimal(v);
}

/** The terms the API takes, or the errors to show next to each field. */
export function toTerms(form: TermsForm): { terms?: Schemas['RevenueSharingConfig']; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const base = { type: form.sharing, settlementFrequency: form.frequency } as const;
  let terms: Schemas['RevenueSharingConfig'] | undefined;
  if (form.sharing === 'PERCENTAGE') {
    const a = percent(form.youPay, errors, 'youPay');
    const b = percent(form.partnerPays, errors, 'partnerPays');
    terms = { ...base, businessAShare: a, businessBShare: b };
  } else if (form.sharing === 'FIXED_FEE') {
    const fee = parseHundredths(form.fixedFee);
    if (fee === null || fee === 0) errors.fixedFee = 'Enter a fee in dollars above $0, with at most two decimals.';
    terms = { ...base, fixedFeePerTransaction: fee === null ? undefined : hundredthsToDecimal(fee) };
  } else {
    const basePct = percent(form.basePercentage, errors, 'basePercentage');
    const bonusPct = percent(form.bonusPercentage, errors, 'bonusPercentage');
    const threshold = /^\d{1,9}$/.test(form.bonusThreshold.trim()) ? Number(form.bonusThreshold.trim()) : 0;
    if (threshold < 1) errors.bonusThreshold = 'Enter a whole number of transactions, 1 or more.';
    terms = { ...base, basePercentage: basePct, bonusThreshold: threshold, bonusPercentage: bonusPct };
  }
  return Object.keys(errors).length ? { errors } : { terms, errors };
}

/** The form for terms the API gave back (a template, or the terms in force). */
export function fromTerms(t: Schemas['RevenueSharingConfig']): TermsForm {
  const s = (v: number | string | undefined, fallback: string) => (v === undefined ? fallback : String(v));
  return {
    sharing: t.type,
    youPay: s(t.businessAShare, defaultTerms.youPay),
    partnerPays: s(t.businessBShare, defaultTerms.partnerPays),
    fixedFee: s(t.fixedFeePerTransaction, defaultTerms.fixedFee),
    basePercentage: s(t.basePercentage, defaultTerms.basePercentage),
    bonusThreshold: s(t.bonusThreshold, defaultTerms.bonusThreshold),
    bonusPercentage: s(t.bonusPercentage, defaultTerms.bonusPercentage),
    frequency: t.settlementFrequency,
  };
}

/** One line of terms in words, as both parties see them side by side. */
export function describeTerms(t: Schemas['RevenueSharingConfig'], as: 'A' | 'B'): string {
  const freq = { MONTHLY: 'monthly', QUARTERLY: 'quarterly', ANNUAL: 'yearly' }[t.settlementFrequency];
  if (t.type === 'PERCENTAGE') {
    const [mine, theirs] = as === 'A' ? [t.businessAShare, t.businessBShare] : [t.businessBShare, t.businessAShare];
    return `You pay ${mine}% of reward value; partner pays ${theirs}%; settled ${freq}`;
  }
  if (t.type === 'FIXED_FEE') return `$${t.fixedFeePerTransaction} per transaction; settled ${freq}`;
  return `${t.basePercentage}%, then ${t.bonusPercentage}% after ${t.bonusThreshold} transactions a period; settled ${freq}`;
}

/** The API codes that belong to the terms fields (shown there, not as a banner). */
export const TERMS_CODES = new Set(['INVALID_TERMS', 'INVALID_CONFIG', 'BELOW_MINIMUM']);
