// A business's display name from its public profile, its id when the
// profile cannot be read (the screens still say who, by handle).
import { api, ok } from './api/client';

export async function businessName(businessId: string): Promise<[string, string]> {
  try {
    const profile = await ok(api.GET('/api/v1/partners/{businessId}', { params: { path: { businessId } } }));
    return [businessId, profile.name ?? businessId];
  } catch {
    return [businessId, businessId];
  }
}
