// A small History-API router: the path is state, links are plain <a href>
// (intercepted in App.svelte), so the back button and reloads just work and
// CloudFront's SPA fallback serves index.html for any path.
class Router {
  path = $state(location.pathname);
  query = $state(new URLSearchParams(location.search));

  constructor() {
    addEventListener('popstate', () => this.sync());
  }

  private sync() {
    this.path = location.pathname;
    this.query = new URLSearchParams(location.search);
  }

  navigate(to: string, opts: { replace?: boolean } = {}) {
    if (opts.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.sync();
    scrollTo(0, 0);
  }
}

export const router = new Router();

export { match } from './match';
