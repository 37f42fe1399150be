/**
 * A client's file name is kept for display and downloads only; storage paths never use it.
 * This makes it safe to show; the content-disposition package encodes it for headers.
 */
export const MAX_FILENAME_LENGTH = 255;

export function sanitiseFilename(raw: string, fallback = 'document'): string {
  // Last path segment only ("../../etc/passwd" -> "passwd", "C:\\x\\y.pdf" -> "y.pdf").
  const base = raw.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // Control characters (including CR/LF, which would split headers) and quotes.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    // Bidirectional controls (e.g. U+202E) would let "evil\u202Etxt.exe" display as "evilexe.txt".
    .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .trim()
    .replace(/^\.+/, '');
  const clipped = Array.from(cleaned).slice(0, MAX_FILENAME_LENGTH).join('');
  return clipped.length > 0 ? clipped : fallback;
}
