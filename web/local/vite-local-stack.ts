// The local stack's side of the web app (dev server and `vite preview`):
// - /config.json: where the app signs in (the local OIDC provider), the
//   same file the deploy writes to the bucket for the user pool;
// - /api: proxied to the functions (`cargo lambda watch`) through an agent
//   that holds at most API_CONCURRENCY connections, so a browser's burst
//   waits its turn here instead of piling onto the emulator.
import { Agent } from 'node:http';
import type { Plugin, ProxyOptions } from 'vite';

export function appConfig() {
  return {
    authority: process.env.OIDC_ISSUER ?? 'http://127.0.0.1:9010',
    clientId: process.env.OIDC_CLIENT_ID ?? 'partner-network-local',
  };
}

function apiProxy(): Record<string, ProxyOptions> {
  const target = process.env.API_URL ?? 'http://127.0.0.1:9000';
  const agent = new Agent({ keepAlive: true, maxSockets: Number(process.env.API_CONCURRENCY ?? 8) });
  return { '/api': { target, agent, changeOrigin: false } };
}

export function localStack(): Plugin {
  const serveConfig = (server: { middlewares: { use: (path: string, fn: (req: unknown, res: import('node:http').ServerResponse) => void) => void } }) =>
{
    server.middlewares.use('/config.json', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify(appConfig()));
    });
  };
  // The production build is served with the CSP CloudFront sends (with
  // the local issuer in place of the user pool), so the browser tests would
  // see what it blocks.
  const csp = () =>
    `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${appConfig().authority}; ` +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";
  return {
    name: 'partner-network-local-stack',
    config: () => ({ server: { proxy: apiProxy() }, preview: { proxy: apiProxy() } }),
    configureServer: serveConfig,
    configurePreviewServer(server) {
      server.middlewares.use((_req, res, next) => {
        res.setHeader('content-security-policy', csp());
        next();
      });
      serveConfig(server);
    },
  };
}
