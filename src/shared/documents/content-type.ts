/**
 * The document types the platform understands, and how a client's declared type is normalised.
 * Which of them a deployment accepts is DOCUMENT_ALLOWED_TYPES.
 */
export const PDF = 'application/pdf';
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const TEXT_TYPES = ['text/plain', 'text/markdown', 'text/html', 'text/csv', 'application/json'] as const;
export const KNOWN_TYPES = [...TEXT_TYPES, PDF, DOCX] as const;
export type DocumentType = (typeof KNOWN_TYPES)[number];

/** Aliases some clients send for the same formats. */
const ALIASES: Record<string, DocumentType> = {
  'text/x-markdown': 'text/markdown',
  'application/x-pdf': PDF,
  'text/json': 'application/json',
};

/** Used only when the client declares no type or a generic one (application/octet-stream). */
const BY_EXTENSION: Record<string, DocumentType> = {
  txt: 'text/plain',
  text: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
  pdf: PDF,
  docx: DOCX,
};

export const isKnownType = (t: string): t is DocumentType => (KNOWN_TYPES as readonly string[]).includes(t);
export const isTextType = (t: string): boolean => (TEXT_TYPES as readonly string[]).includes(t);

/** `Text/Plain; charset=UTF-8` -> `text/plain`; aliases resolved. Empty string when absent. */
export function normaliseContentType(header: string | null | undefined): string {
  const base = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return ALIASES[base] ?? base;
}

/** The charset parameter of a Content-Type, lower-cased, if any. */
export function charsetOf(header: string | null | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(header ?? '');
  return m?.[1]?.toLowerCase();
}

/**
 * The type to check the bytes against: the declared one, or (only for a missing or generic
 * declaration) the one the file name's extension suggests.
 */
export function resolveDeclaredType(header: string | null | undefined, filename: string): string {
  const declared = normaliseContentType(header);
  if (declared !== '' && declared !== 'application/octet-stream') return declared;
  const ext = /\.([a-z0-9]{1,10})$/i.exec(filename)?.[1]?.toLowerCase();
  return (ext && BY_EXTENSION[ext]) || declared || 'application/octet-stream';
}
