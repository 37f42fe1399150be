/**
 * A DOCX is a zip; mammoth (through jszip) inflates its XML parts whole into memory. Before that,
 * this reads the zip's central directory and refuses the file when the XML parts state more than
 * `maxInflated` bytes in total, then inflates each XML part once with a hard output cap (zlib's
 * maxOutputLength), so a part whose headers lie about its size is caught too. Only store and
 * deflate are accepted (all jszip reads), and no ZIP64: a file under the upload limit never needs it.
 */
import { inflateRawSync } from 'node:zlib';

export type ZipVerdict = { ok: true } | { ok: false; reason: 'extraction_too_large' | 'unparseable_docx'; message: string };

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** More entries than any real Word document has (each is parsed and held by jszip). */
const MAX_ENTRIES = 10_000;
/** The parts mammoth parses; media and other binaries are not inflated for text extraction. */
const PARSED = /\.(xml|rels)$/i;

const broken = (message = 'The Word document could not be read.'): ZipVerdict => ({ ok: false, reason: 'unparseable_docx', message });
const tooLarge = (max: number): ZipVerdict => ({
  ok: false,
  reason: 'extraction_too_large',
  message: `The Word document's content inflates past ${max} bytes.`,
});

interface Entry {
  name: string;
  method: number;
  compressed: number;
  size: number;
  localOffset: number;
}

function centralDirectory(b: Buffer): Entry[] | ZipVerdict {
  // The end record is in the last 22 + 65,535 (comment) bytes.
  let eocd = -1;
  for (let i = b.length - 22; i >= Math.max(0, b.length - 22 - 65_535); i--) {
    if (b.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return broken();
  const count = b.readUInt16LE(eocd + 10);
  const cdOffset = b.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) return broken('The Word document uses ZIP64, which is not supported.');
  if (count > MAX_ENTRIES) return { ok: false, reason: 'extraction_too_large', message: `The Word document has more than ${MAX_ENTRIES} parts.` };
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > b.length || b.readUInt32LE(p) !== CENTRAL) return broken();
    const nameLength = b.readUInt16LE(p + 28);
    const entry: Entry = {
      method: b.readUInt16LE(p + 10),
      compressed: b.readUInt32LE(p + 20),
      size: b.readUInt32LE(p + 24),
      name: b.toString('utf8', p + 46, p + 46 + nameLength),
      localOffset: b.readUInt32LE(p + 42),
    };
    if (entry.compressed === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff)
      return broken('The Word document uses ZIP64, which is not supported.');
    entries.push(entry);
    p += 46 + nameLength + b.readUInt16LE(p + 30) + b.readUInt16LE(p + 32);
  }
  return entries;
}

/** Checks a DOCX's zip before anything inflates it; see the module comment. */
export function checkDocxZip(bytes: Uint8Array, maxInflated: number): ZipVerdict {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 22) return broken();
  const entries = centralDirectory(b);
  if (!Array.isArray(entries)) return entries;
  const parsed = entries.filter((e) => PARSED.test(e.name));
  // Stated sizes first: a plain bomb is refused without inflating a byte.
  if (parsed.reduce((sum, e) => sum + e.size, 0) > maxInflated) return tooLarge(maxInflated);
  let budget = maxInflated;
  for (const e of parsed) {
    const at = e.localOffset;
    if (at + 30 > b.length || b.readUInt32LE(at) !== LOCAL) return broken();
    const start = at + 30 + b.readUInt16LE(at + 26) + b.readUInt16LE(at + 28);
    const data = b.subarray(start, start + e.compressed);
    if (data.length !== e.compressed) return broken();
    let actual: number;
    if (e.method === 0) actual = data.length;
    else if (e.method === 8) {
      try {
        actual = inflateRawSync(data, { maxOutputLength: Math.max(1, budget + 1) }).length;
      } catch (err) {
        if (err instanceof RangeError) return tooLarge(maxInflated);
        return broken();
      }
    } else return broken('The Word document uses a compression method that is not supported.');
    budget -= actual;
    if (budget < 0) return tooLarge(maxInflated);
  }
  return { ok: true };
}
