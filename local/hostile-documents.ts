/**
 * Hostile documents made by code, for the extraction tests and `npm run bench:hostile` (nothing big
 * is committed). Each is small on the wire (well under DOCUMENT_MAX_BYTES) and expensive to read.
 */
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
  '<Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
  '</Types>';
const RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
  '</Relationships>';

interface ZipEntry {
  name: string;
  /** Raw deflate data. */
  data: Buffer;
  crc: number;
  size: number;
  /** The uncompressed size written into the headers (a lying zip states less than `size`). */
  declaredSize?: number;
}

const entry = (name: string, content: Buffer): ZipEntry => ({ name, data: deflateRawSync(content), crc: crc32(content), size: content.length });

/** A zip (deflate, no zip64) of the given entries: local headers, central directory, end record. */
function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const size = e.declaredSize ?? e.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** word/document.xml of about `bytes`, one short paragraph repeated (compresses about 1000:1). */
function bigDocumentXml(bytes: number): Buffer {
  const head =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>';
  const para = '<w:p><w:r><w:t>bomb</w:t></w:r></w:p>';
  const tail = '</w:body></w:document>';
  return Buffer.from(head + para.repeat(Math.max(1, Math.floor((bytes - head.length - tail.length) / para.length))) + tail);
}

/**
 * A DOCX whose word/document.xml inflates to about `inflatedBytes`. With `lie`, the zip's headers
 * claim the part is 1 KiB (so only a capped inflate, not the stated size, catches it).
 */
export function docxBomb(inflatedBytes: number, lie = false): Buffer {
  const xml = entry('word/document.xml', bigDocumentXml(inflatedBytes));
  if (lie) xml.declaredSize = 1024;
  return zip([entry('[Content_Types].xml', Buffer.from(CONTENT_TYPES)), entry('_rels/.rels', Buffer.from(RELS)), xml]);
}

/** Assembles a PDF from numbered object bodies (object i+1 = bodies[i]), with a correct xref table. */
function pdf(bodies: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let size = parts[0]!.length;
  const offsets: number[] = [];
  bodies.forEach((body, i) => {
    offsets.push(size);
    const b = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n')]);
    parts.push(b);
    size += b.length;
  });
  const xref = [`xref\n0 ${bodies.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${bodies.length + 1} /Root 1 0 R >>\nstartxref\n${size}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** A valid PDF with `pages` (blank) pages, each its own object: about 70 bytes per page. */
export function manyPagesPdf(pages: number): Buffer {
  const kids: string[] = [];
  for (let i = 0; i < pages; i++) kids.push(`${i + 3} 0 R`);
  const bodies: string[] = ['<< /Type /Catalog /Pages 2 0 R >>', `<< /Type /Pages /Count ${pages} /Kids [${kids.join(' ')}] >>`];
  for (let i = 0; i < pages; i++) bodies.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>');
  return pdf(bodies);
}

/**
 * A one-page PDF whose content stream inflates to about `inflatedBytes` of text-showing operators
 * (each makes a text item, so the reader's heap grows with it).
 */
export function hugeStreamPdf(inflatedBytes: number): Buffer {
  const op = 'BT /F1 12 Tf 10 10 Td (word) Tj ET\n';
  const content = Buffer.from(op.repeat(Math.max(1, Math.floor(inflatedBytes / op.length))), 'latin1');
  const data = deflateSync(content, { level: 9 });
  return pdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Count 1 /Kids [3 0 R] >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    Buffer.concat([Buffer.from(`<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]);
}

/** HTML with `depth` nested <div>s around one word. */
export const deepHtml = (depth: number): Buffer =>
  Buffer.from(`<!doctype html><html><body>${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}</body></html>`);

/** JSON arrays nested `depth` deep around one string. */
export const deepJson = (depth: number): Buffer => Buffer.from(`${'['.repeat(depth)}"deep"${']'.repeat(depth)}`);

/**
 * One line of `bytes` with no line break: words separated by runs of spaces, the input that makes a
 * backtracking `[ \t]+\n` scan quadratic.
 */
export function oneLineText(bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x20);
  for (let i = 0; i < bytes; i += 4096) b.write('word', i, 'latin1');
  return b;
}
