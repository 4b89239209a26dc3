// Who is using the app: the signed-in user and its membership, as the API
// says (GET /api/v1/me reads our memberships, never the token's word).
import { api, ok, type Schemas } from './api/client';
import { currentUser } from './auth';

class Session {
  signedIn = $state(false);
  me = $state<Schemas['Me'] | null>(null);
  loading = $state(true);

  get membership() {
    return this.me?.membership ?? null;
  }
  get businessId(): string | null {
    return this.membership?.businessId ?? null;
  }
  get isOwner() {
    return this.membership?.role === 'owner';
  }

  async load() {
    this.loading = true;
    try {
      this.signedIn = (await currentUser()) !== null;
      this.me = this.signedIn ? await ok(api.GET('/api/v1/me')) : null;
    } finally {
      this.loading = false;
    }
  }
}

export const session = new Session();
