import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { localStack } from './local/vite-local-stack.ts';

// `make dev` serves the app on http://127.0.0.1:8080 with /api proxied to
// the functions (API_URL) and /config.json telling the app its OIDC issuer;
// in AWS, CloudFront serves the build and routes /api/* to the HTTP API.
export default defineConfig({
  plugins: [svelte(), localStack()],
  server: { host: '127.0.0.1', port: 8080, strictPort: true },
  preview: { host: '127.0.0.1', port: 8080, strictPort: true },
  build: { target: 'es2022', sourcemap: true },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
