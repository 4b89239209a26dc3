import { describe, expect, it } from 'vitest';

import { match } from './match';

describe('match', () => {
  it('binds parameters of one segment', () => {
    expect(match('/partners/:id', '/partners/joes-coffee')).toEqual({ id: 'joes-coffee' });
    expect(match('/partners/:id', '/partners/a%20b')).toEqual({ id: 'a b' });
    expect(match('/partnerships/:id', '/partnerships/')).toBeNull();
    expect(match('/partners/:id', '/partners/x/y')).toBeNull();
    expect(match('/directory', '/directory/')).toEqual({});
    expect(match('/directory', '/partners')).toBeNull();
    expect(match('/', '/')).toEqual({});
    expect(match('/', '/directory')).toBeNull();
  });
});
