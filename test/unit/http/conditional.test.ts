import { describe, expect, it } from 'vitest';
import { checkIfMatch, ifMatchHolds, opaqueTag, parseIfMatch } from '../../../src/shared/http/conditional';

const fails = (header: string, etag: string | undefined) => () => checkIfMatch(header, etag);

describe('If-Match: one rule for every update and delete', () => {
  it('no header: no condition, the write is unconditional', () => {
    expect(parseIfMatch(null)).toBeUndefined();
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(checkIfMatch(null, '"v1"')).toBeUndefined();
  });

  it('* matches any current version and makes no conditional write', () => {
    expect(parseIfMatch('*')).toEqual({ any: true });
    expect(parseIfMatch(' * ')).toEqual({ any: true });
    expect(checkIfMatch('*', '"v1"')).toBeUndefined();
    expect(checkIfMatch('*', undefined)).toBeUndefined();
  });

  it('quoted, weak and bare forms of the same tag all match, either side quoted or not', () => {
    for (const header of ['"v1"', 'W/"v1"', 'v1', ' "v1" ']) {
      expect(checkIfMatch(header, '"v1"')).toBe('"v1"');
      expect(checkIfMatch(header, 'v1')).toBe('v1'); // the emulator's ETags carry no quotes
    }
  });

  it('a comma list matches when any member does; a quoted comma stays inside its tag', () => {
    expect(parseIfMatch('"a", W/"b",c')).toEqual({ any: false, tags: ['a', 'b', 'c'] });
    expect(checkIfMatch('"old", "v1"', '"v1"')).toBe('"v1"');
    expect(parseIfMatch('"a,b", "c"')).toEqual({ any: false, tags: ['a,b', 'c'] });
    expect(checkIfMatch('"a,b"', '"a,b"')).toBe('"a,b"');
    expect(fails('"a,b"', '"a"')).toThrow();
    expect(parseIfMatch('"a", *')).toEqual({ any: true });
  });

  it('a stale tag is PRECONDITION_FAILED', () => {
    expect(fails('"v0"', '"v1"')).toThrow(expect.objectContaining({ code: 'PRECONDITION_FAILED' }));
    expect(fails('"v0", W/"v2"', '"v1"')).toThrow(expect.objectContaining({ code: 'PRECONDITION_FAILED' }));
    // The record has no ETag: only * can match.
    expect(fails('"v1"', undefined)).toThrow(expect.objectContaining({ code: 'PRECONDITION_FAILED' }));
  });

  it('an empty header lists no tag: 412, never "no condition"', () => {
    for (const header of ['', '   ', ',', ' , ,']) {
      expect(parseIfMatch(header)).toEqual({ any: false, tags: [] });
      expect(fails(header, '"v1"')).toThrow(expect.objectContaining({ code: 'PRECONDITION_FAILED' }));
    }
  });

  it('a tag is not a prefix or a substring match, and quotes are not stripped from the inside', () => {
    expect(ifMatchHolds({ any: false, tags: ['v'] }, '"v1"')).toBe(false);
    expect(fails('"v1', '"v1"')).toThrow(); // unterminated: the quote is part of the tag
    expect(opaqueTag('W/"x"')).toBe('x');
    expect(opaqueTag('"')).toBe('"');
    expect(opaqueTag('"x""')).toBe('x"');
  });
});
