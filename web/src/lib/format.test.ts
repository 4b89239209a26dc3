import { describe, expect, it } from 'vitest';
import { countOf, liveFor, milesAway, ratingText } from './format';

describe('format', () => {
  it('shows distances in miles as the wireframe does', () => {
    expect(milesAway(1.287)).toBe('0.8 miles away');
    expect(milesAway(1.609344)).toBe('1 mile away');
    expect(milesAway(19.3)).toBe('12 miles away');
  });
  it('shows ratings and counts', () => {
    expect(ratingText(4.8, 127)).toBe('4.8 out of 5 (127 reviews)');
    expect(ratingText(5, 1)).toBe('5.0 out of 5 (1 review)');
    expect(ratingText(0, 0)).toBe('No reviews yet');
    expect(countOf(1234, 'loyal customer', 'loyal customers')).toBe('1,234 loyal customers');
    expect(countOf(1, 'loyal customer', 'loyal customers')).toBe('1 loyal customer');
  });
  it('says how long a partnership has been live', () => {
    const now = new Date('2026-06-15T12:00:00Z');
    expect(liveFor('2026-03-10T00:00:00Z', now)).toBe('3 months');
    expect(liveFor('2026-03-20T00:00:00Z', now)).toBe('2 months');
    expect(liveFor('2026-05-15T00:00:00Z', now)).toBe('1 month');
    expect(liveFor('2026-06-01T00:00:00Z', now)).toBe('less than a month');
    expect(liveFor(null, now)).toBeNull();
    expect(liveFor('nonsense', now)).toBeNull();
  });
});
