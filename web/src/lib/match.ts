/** `pattern` like "/partners/:id" against `path`: the parameters, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  // "/x/" is "/x"; the root stays "/".
  const clean = (p: string) => (p.length > 1 ? p.replace(/\/$/, '') : p);
  const want = clean(pattern).split('/');
  const got = clean(path).split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      if (!got[i]) return null;
      params[want[i].slice(1)] = decodeURIComponent(got[i]);
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}
