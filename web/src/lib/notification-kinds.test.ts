import { describe, expect, it } from 'vitest';
import { GROUPS, KIND_LABELS, kindOf } from './notification-kinds';

describe('notification kinds', () => {
  it('groups every labelled kind exactly once', () => {
    const grouped = GROUPS.flatMap((g) => g.kinds);
    expect(new Set(grouped).size).toBe(grouped.length);
    expect([...grouped].sort()).toEqual(Object.keys(KIND_LABELS).sort());
  });

  it('reads a kind from a link and nothing else', () => {
    expect(kindOf('SETTLEMENT_PROCESSED')).toBe('SETTLEMENT_PROCESSED');
    expect(kindOf('settlement_processed')).toBeNull();
    expect(kindOf('toString')).toBeNull();
    expect(kindOf(null)).toBeNull();
  });
});
