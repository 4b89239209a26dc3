import { describe, expect, it } from 'vitest';
import { csv, dollars, field } from './csv';

describe('csv', () => {
  it('quotes what needs quoting', () => {
    expect(field('plain')).toBe('plain');
    expect(field('a,b')).toBe('"a,b"');
    expect(field('say "hi"')).toBe('"say ""hi"""');
    expect(field('two\nlines')).toBe('"two\nlines"');
    expect(field(undefined)).toBe('');
  });
  it('never lets a cell become a formula', () => {
    expect(field('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(field('@cmd')).toBe("'@cmd");
    expect(field('-0.50')).toBe('-0.50');
  });
  it('writes rows with CRLF and amounts from cents', () => {
    expect(csv(['a', 'b'], [[1, 'x'], [2, 'y,z']])).toBe('a,b\r\n1,x\r\n2,"y,z"\r\n');
    expect([dollars(50), dollars(-50), dollars(123456), dollars(0), dollars(5)]).toEqual(['0.50', '-0.50', '1234.56', '0.00', '0.05']);
  });
});
