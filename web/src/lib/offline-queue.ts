// The point of sale's degraded mode (the spec: "transactions recorded
// locally and synced later"): a recording the network did not take waits
// in the browser, with its idempotency key and the time it happened, and
// is sent again, with the same key, until the API answers. The API records
// each key once, so a recording that did reach it before the answer was
// lost is not recorded twice.

export interface Queued {
  /** The Idempotency-Key of the attempt; the same on every resend. */
  key: string;
  /** What the form recorded, for the list of what is pending. */
  summary: string;
  /** The route and body to send again (occurredAt inside the body). */
  path: string;
  params: Record<string, string>;
  body: Record<string, unknown>;
  queuedAt: string;
}

/** What sending one says: done (any final answer) or try later. */
export type SendOutcome = { done: true; error?: string } | { done: false };

export interface Store {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const STORE_KEY = 'partner-network.pos.queue';

export class OfflineQueue {
  constructor(private readonly store: Store) {}

  pending(): Queued[] {
    try {
      const items = JSON.parse(this.store.getItem(STORE_KEY) ?? '[]');
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  private save(items: Queued[]) {
    this.store.setItem(STORE_KEY, JSON.stringify(items));
  }

  /** Keeps `item` for later; a second add of the same key changes nothing. */
  add(item: Queued) {
    const items = this.pending();
    if (!items.some((i) => i.key === item.key)) this.save([...items, item]);
  }

  /**
   * Sends what waits, oldest first. A final answer (recorded, or refused
   * for good) takes it off; an unreachable API stops the round, keeping the
   * rest in order. Returns what was settled, with any refusal.
   */
  async sync(send: (item: Queued) => Promise<SendOutcome>): Promise<{ item: Queued; error?: string }[]> {
    const settled: { item: Queued; error?: string }[] = [];
    for (const item of this.pending()) {
      const outcome = await send(item);
      if (!outcome.done) break;
      this.save(this.pending().filter((i) => i.key !== item.key));
      settled.push({ item, error: outcome.error });
    }
    return settled;
  }
}
