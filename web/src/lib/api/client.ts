// The API client, typed by the OpenAPI document (schema.d.ts is generated
// from docs/api/openapi.yaml by `npm run api-types`; `make lint` fails when
// it is stale). Same origin: /api is the HTTP API behind CloudFront, and the
// local stack's proxy in `make dev`.
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { bearer } from '../auth';

export type Schemas = components['schemas'];
export type ApiError = Schemas['Error']['error'];

const auth: Middleware = {
  async onRequest({ request }) {
    const token = await bearer();
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** What a refused call tells the user: the API's stable code and its status. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The data of a successful answer, or a `Refusal` carrying the API's code
 * (or NETWORK when no answer came).
 */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result;
  try {
    result = await call;
  } catch (e) {
    throw new Refusal(0, 'NETWORK', e instanceof Error ? e.message : String(e));
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const body = (error ?? {}) as { error?: ApiError };
  throw new Refusal(response.status, body.error?.code ?? `HTTP_${response.status}`, body.error?.message ?? response.statusText);
}
