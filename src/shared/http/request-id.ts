import { randomUUID } from 'node:crypto';

/** A client's own X-Request-Id is kept when it is a sane token; anything else is replaced. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function requestIdFrom(header: string | null): string {
  if (header && WELL_FORMED.test(header)) return header;
  return `req_${randomUUID().replace(/-/g, '')}`;
}
