import { describe, expect, it } from 'vitest';
import { sanitiseFilename } from '../../src/shared/core/filename';
import { charsetOf, DOCX, normaliseContentType, PDF, resolveDeclaredType } from '../../src/shared/documents/content-type';

describe('sanitiseFilename', () => {
  it('keeps only the last path segment of traversal attempts', () => {
    expect(sanitiseFilename('../../x')).toBe('x');
    expect(sanitiseFilename('..\\..\\windows\\system32\\evil.pdf')).toBe('evil.pdf');
    expect(sanitiseFilename('/etc/passwd')).toBe('passwd');
  });
  it('drops control characters, quotes and leading dots; falls back when nothing is left', () => {
    expect(sanitiseFilename('a\r\nb"c.txt')).toBe('abc.txt');
    expect(sanitiseFilename('...hidden')).toBe('hidden');
    expect(sanitiseFilename('../..')).toBe('document');
    expect(sanitiseFilename('')).toBe('document');
  });
  it('drops bidirectional controls that would disguise the extension', () => {
    expect(sanitiseFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitiseFilename('a\u2066b\u2069\u200F.pdf')).toBe('ab.pdf');
  });
  it('keeps unicode names and clips long ones to 255 characters', () => {
    expect(sanitiseFilename('résumé 履歴書.pdf')).toBe('résumé 履歴書.pdf');
    expect(Array.from(sanitiseFilename('é'.repeat(400)))).toHaveLength(255);
  });
});

describe('content types', () => {
  it('normalises case, parameters and aliases', () => {
    expect(normaliseContentType('Text/Plain; charset=UTF-8')).toBe('text/plain');
    expect(normaliseContentType('application/x-pdf')).toBe(PDF);
    expect(normaliseContentType(undefined)).toBe('');
    expect(charsetOf('text/plain; charset="ISO-8859-1"')).toBe('iso-8859-1');
  });
  it('uses the extension only when the declared type is missing or generic', () => {
    expect(resolveDeclaredType('application/octet-stream', 'a.DOCX')).toBe(DOCX);
    expect(resolveDeclaredType('', 'notes.md')).toBe('text/markdown');
    expect(resolveDeclaredType('text/plain', 'a.pdf')).toBe('text/plain');
    expect(resolveDeclaredType('application/octet-stream', 'a.exe')).toBe('application/octet-stream');
  });
});
