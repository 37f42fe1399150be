/**
 * Test documents made by code (no binary fixtures in the repo): a real multi-page PDF (pdf-lib),
 * a real DOCX (an OOXML zip built with jszip), and files that only pretend to be them.
 */
import JSZip from 'jszip';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A PDF with one page per entry of `pages`, each page's lines drawn as text. */
export async function makePdf(pages: string[][]): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([595, 842]);
    lines.forEach((line, i) => page.drawText(line, { x: 50, y: 780 - i * 18, size: 12, font }));
  }
  return Buffer.from(await doc.save());
}

export const makeTwoPagePdf = (): Promise<Buffer> =>
  makePdf([
    ['Alpha page one. The quick brown fox jumps over the lazy dog.', 'Second line of page one.'],
    ['Beta page two. Pack my box with five dozen liquor jugs.'],
  ]);

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A minimal valid Word document with one paragraph per entry. */
export async function makeDocx(paragraphs: string[]): Promise<Buffer> {
  const zip = new JSZip();
  // [Content_Types].xml first, as Word writes it (content sniffers read it from the head).
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '</Relationships>',
  );
  zip.file(
    'word/document.xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
      '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>' +
      paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(p)}</w:t></w:r></w:p>`).join('') +
      '</w:body></w:document>',
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** A zip that is not a Word document (no word/ part). */
export async function makePlainZip(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('readme.txt', 'just a zip');
  return zip.generateAsync({ type: 'nodebuffer' });
}

/** Text labelled as a PDF. */
export const fakePdf = (): Buffer => Buffer.from('This is not a PDF at all, just words.\n');

/** Starts like a PDF, but its body is garbage: passes the signature check, fails extraction. */
export const brokenPdf = (): Buffer => Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.alloc(2048, 0x41)]);

/** A PNG signature plus some bytes. */
export const pngBytes = (): Buffer =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]), Buffer.alloc(64, 1)]);

/** Roughly `bytes` of readable English text, in paragraphs. */
export function loremText(bytes: number): string {
  const sentence = 'The committee reviewed the quarterly figures and agreed on the next steps. ';
  const paragraph = sentence.repeat(6).trim() + '\n\n';
  return paragraph.repeat(Math.ceil(bytes / paragraph.length)).slice(0, bytes);
}
