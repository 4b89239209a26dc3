import { describe, expect, it } from 'vitest';
import { OfflineQueue, type Queued, type SendOutcome } from './offline-queue';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
}

const item = (key: string): Queued => ({
  key,
  summary: `EARN ${key}`,
  path: '/api/v1/partnerships/{id}/transactions',
  params: { id: 'p1' },
  body: { type: 'EARN', customerId: 'c1', amount: '10.00', occurredAt: '2026-03-10T12:00:00Z' },
  queuedAt: '2026-03-10T12:00:01Z',
});

describe('OfflineQueue', () => {
  it('keeps recordings across reloads, once per key', () => {
    const store = memory();
    new OfflineQueue(store).add(item('k1'));
    new OfflineQueue(store).add(item('k1'));
    new OfflineQueue(store).add(item('k2'));
    expect(new OfflineQueue(store).pending().map((i) => i.key)).toEqual(['k1', 'k2']);
  });

  it('sends oldest first with the same key and body, and stops while the API is unreachable', async () => {
    const q = new OfflineQueue(memory());
    q.add(item('k1'));
    q.add(item('k2'));
    q.add(item('k3'));
    const sent: string[] = [];
    let reachable = false;
    const send = async (i: Queued): Promise<SendOutcome> => {
      sent.push(`${i.key}:${i.body.occurredAt}`);
      return reachable ? { done: true } : { done: false };
    };
    expect(await q.sync(send)).toEqual([]);
    expect(sent).toEqual(['k1:2026-03-10T12:00:00Z']);
    expect(q.pending()).toHaveLength(3);
    reachable = true;
    expect((await q.sync(send)).map((s) => s.item.key)).toEqual(['k1', 'k2', 'k3']);
    expect(q.pending()).toEqual([]);
  });

  it('takes a refused recording off and says why', async () => {
    const q = new OfflineQueue(memory());
    q.add(item('k1'));
    q.add(item('k2'));
    const settled = await q.sync(async (i) => (i.key === 'k1' ? { done: true, error: 'Not enough points' } : { done: true }));
    expect(settled).toEqual([{ item: item('k1'), error: 'Not enough points' }, { item: item('k2'), error: undefined }]);
    expect(q.pending()).toEqual([]);
  });

  it('survives a corrupt store', () => {
    const store = memory();
    store.setItem('partner-network.pos.queue', '{oops');
    expect(new OfflineQueue(store).pending()).toEqual([]);
  });
});
