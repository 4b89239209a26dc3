import { describe, expect, it } from 'vitest';
import { emptyConfig, fromConfig, toConfig } from './config-form';

describe('toConfig', () => {
  it('leaves out what is empty (all qualify)', () => {
    expect(toConfig(emptyConfig)).toEqual({ config: {} });
  });
  it("reads the wireframe's minimum and the lists", () => {
    expect(toConfig({ minimumTransaction: '$3.00', categories: 'Cafe, bakery,', locations: 'main-st' })).toEqual({
      config: { minimumTransaction: '3', allowedCategories: ['cafe', 'bakery'], allowedLocations: ['main-st'] },
    });
  });
  it('refuses a bad amount', () => {
    expect(toConfig({ ...emptyConfig, minimumTransaction: '3.001' }).error).toBeDefined();
  });
  it('round-trips', () => {
    const c = { minimumTransaction: '3', allowedCategories: ['cafe'], allowedLocations: [] };
    expect(toConfig(fromConfig(c)).config).toEqual({ minimumTransaction: '3', allowedCategories: ['cafe'] });
  });
});
