import contentDisposition from 'content-disposition';
import { describe, expect, it } from 'vitest';
import { sanitiseFilename } from '../../src/shared/core/filename';

// What documents-content sends: contentDisposition(sanitiseFilename(client name)).
const header = (name: string): string => contentDisposition(sanitiseFilename(name));

describe('Content-Disposition from hostile file names', () => {
  it('cannot split headers, close the quoted string or add parameters', () => {
    for (const name of [
      'a.pdf\r\nSet-Cookie: x=1',
      'a.pdf\nLocation: http://evil',
      "a.pdf\"; filename*=UTF-8''evil.exe",
      'a.pdf\u0000.exe',
      '"; attachment',
      '\u2028\u2029x.txt',
    ]) {
      const h = header(name);
      // eslint-disable-next-line no-control-regex -- checking that none survive
      expect(h).not.toMatch(/[\r\n\u0000]/);
      // Only the parameters content-disposition itself writes, and one quoted value that cannot be closed early.
      expect(h).toMatch(/^attachment; filename="[^"]*"(; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]*)?$/);
      expect(h).not.toMatch(/[^\x20-\x7e]/);
    }
  });

  it('keeps a non-ASCII name readable through filename*', () => {
    expect(header('報告 2026.pdf')).toBe('attachment; filename="?? 2026.pdf"; filename*=UTF-8\'\'%E5%A0%B1%E5%91%8A%202026.pdf');
  });
});
