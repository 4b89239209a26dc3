import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENTS, describeEvents } from './webhooks';

describe('webhook events', () => {
  it('are the partner events of the contract, each once', () => {
    const contract = readFileSync('../docs/api/asyncapi.yaml', 'utf8');
    const documented = [...contract.matchAll(/^\s+name: (partner\.(partnership|transaction|settlement)\.[a-z_]+)$/gm)].map((m) => m[1]).sort();
    expect(WEBHOOK_EVENTS.map((e) => e.type).sort()).toEqual(documented);
  });

  it('say what an endpoint receives', () => {
    expect(describeEvents(['*'])).toBe('All events');
    expect(describeEvents(['partner.settlement.processed', 'x.y'])).toBe('Settlement paid, x.y');
  });
});
