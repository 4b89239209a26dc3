// Reading the caller's partnerships (every page of them).
import { api, ok, type Schemas } from './api/client';

type Paths = import('./api/schema').paths;
export type PartyRow =
  Paths['/api/v1/partnerships']['get']['responses']['200']['content']['application/json']['partnerships'][number];
export type Partnership = Schemas['Partnership'];

export async function allMine(): Promise<PartyRow[]> {
  const rows: PartyRow[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await ok(api.GET('/api/v1/partnerships', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } }));
    rows.push(...page.partnerships);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return rows;
}
