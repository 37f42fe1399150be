import { describe, expect, it } from 'vitest';
import { chunkPages, chunkText, joinPages, PAGE_SEPARATOR } from '../../src/shared/core/chunking';
import { loremText } from '../helpers/document-fixtures';

describe('chunkText', () => {
  it('returns no chunks for empty or whitespace-only text', () => {
    expect(chunkText('', { size: 100, overlap: 10 })).toEqual([]);
    expect(chunkText('  \n\n \t ', { size: 100, overlap: 10 })).toEqual([]);
  });

  it('keeps short text as one chunk with its offsets', () => {
    const text = '  Hello world.  ';
    const [c, ...rest] = chunkText(text, { size: 100, overlap: 10 });
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ index: 0, text: 'Hello world.', start: 2, end: 14, page: null, pageEnd: null });
    expect(text.slice(c!.start, c!.end)).toBe(c!.text);
  });

  it('never exceeds the size, offsets match the text, and indexes are consecutive', () => {
    const text = loremText(20_000);
    const chunks = chunkText(text, { size: 1000, overlap: 150 });
    expect(chunks.length).toBeGreaterThan(20);
    chunks.forEach((c, i) => {
      expect(c.index).toBe(i);
      expect(c.text.length).toBeLessThanOrEqual(1000);
      if (i < chunks.length - 1) expect(c.text.length).toBeGreaterThan(400);
      expect(text.slice(c.start, c.end)).toBe(c.text);
    });
    // Covers the whole text: the last chunk ends at the last non-space character.
    expect(chunks.at(-1)!.end).toBe(text.trimEnd().length);
  });

  it('ends chunks on sentence or paragraph boundaries when it can', () => {
    const chunks = chunkText(loremText(10_000), { size: 1000, overlap: 150 });
    for (const c of chunks.slice(0, -1)) expect(c.text).toMatch(/\.$/);
  });

  it('prefers a paragraph break to a later sentence break', () => {
    const para1 = 'First sentence here. '.repeat(30).trim(); // ~629 chars
    const para2 = 'Second paragraph sentence. '.repeat(30).trim();
    const chunks = chunkText(`${para1}\n\n${para2}`, { size: 1000, overlap: 0 });
    expect(chunks[0]!.text).toBe(para1);
    expect(chunks[1]!.text.startsWith('Second paragraph')).toBe(true);
  });

  it('overlaps consecutive chunks by about the overlap, starting on a sentence or word', () => {
    const chunks = chunkText(loremText(10_000), { size: 1000, overlap: 150 });
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1]!;
      const cur = chunks[i]!;
      expect(cur.start).toBeLessThan(prev.end);
      expect(prev.end - cur.start).toBeLessThanOrEqual(150);
      expect(cur.start).toBeGreaterThan(prev.start);
      expect(cur.text).toMatch(/^\S/);
    }
  });

  it('hard-cuts text with no boundaries at all and still makes progress', () => {
    const text = 'x'.repeat(2500);
    const chunks = chunkText(text, { size: 1000, overlap: 100 });
    expect(chunks.map((c) => c.text.length)).toEqual([1000, 1000, 700]);
    expect(chunks[1]!.start).toBe(900);
  });

  it('caps a huge overlap so chunking always terminates', () => {
    const chunks = chunkText(loremText(5_000), { size: 200, overlap: 5_000 });
    expect(chunks.length).toBeGreaterThan(20);
    expect(chunks.length).toBeLessThan(60);
  });
});

describe('chunkPages', () => {
  it('records the page each chunk starts and ends on', () => {
    const pages = [
      { page: 1, text: 'Page one text. '.repeat(50).trim() },
      { page: 2, text: 'Page two text. '.repeat(50).trim() },
    ];
    const chunks = chunkPages(pages, { size: 300, overlap: 50 });
    const { text } = joinPages(pages);
    expect(chunks[0]!.page).toBe(1);
    expect(chunks.at(-1)!.page).toBe(2);
    for (const c of chunks) {
      expect(text.slice(c.start, c.end)).toBe(c.text);
      const onlyOne = c.text.includes('one') && !c.text.includes('two');
      if (onlyOne) expect([c.page, c.pageEnd]).toEqual([1, 1]);
      if (!c.text.includes('one')) expect([c.page, c.pageEnd]).toEqual([2, 2]);
    }
    expect(text.indexOf(PAGE_SEPARATOR)).toBe(pages[0]!.text.length);
  });

  it('skips empty pages without losing page numbers', () => {
    const chunks = chunkPages(
      [
        { page: 1, text: '' },
        { page: 2, text: 'Only text.' },
      ],
      { size: 100, overlap: 0 },
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ text: 'Only text.', page: 2 });
  });
});
