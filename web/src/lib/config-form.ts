// The qualifying rules of a partnership (PartnershipConfig) as form text.
import type { Schemas } from './api/client';
import { parseHundredths, hundredthsToDecimal } from './money';

export interface ConfigForm {
  minimumTransaction: string; // $, empty for none
  categories: string; // comma-separated, empty for all
  locations: string; // comma-separated, empty for all
}

export const emptyConfig: ConfigForm = { minimumTransaction: '', categories: '', locations: '' };

const list = (text: string) => text.split(',').map((t) => t.trim()).filter(Boolean);

export function toConfig(form: ConfigForm): { config?: Schemas['PartnershipConfig']; error?: string } {
  const config: Schemas['PartnershipConfig'] = {};
  if (form.minimumTransaction.trim()) {
    const cents = parseHundredths(form.minimumTransaction);
    if (cents === null) return { error: 'Enter the minimum transaction in dollars, with at most two decimals.' };
    config.minimumTransaction = hundredthsToDecimal(cents);
  }
  const categories = list(form.categories).map((c) => c.toLowerCase());
  const locations = list(form.locations);
  if (categories.length > 50 || locations.length > 50) return { error: 'At most 50 categories and 50 locations.' };
  if (categories.length) config.allowedCategories = categories;
  if (locations.length) config.allowedLocations = locations;
  return { config };
}

export function fromConfig(c: Schemas['PartnershipConfig'] | undefined): ConfigForm {
  return {
    minimumTransaction: c?.minimumTransaction === undefined ? '' : String(c.minimumTransaction),
    categories: (c?.allowedCategories ?? []).join(', '),
    locations: (c?.allowedLocations ?? []).join(', '),
  };
}
