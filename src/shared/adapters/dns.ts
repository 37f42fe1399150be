/** Host name resolution for the SSRF guard (the system resolver, every address). */
import { lookup } from 'node:dns/promises';
import { dependencyUnavailable, validationError } from '../core/errors';
import { SSRF_FIELD, type HostResolver, type ResolvedAddress } from '../core/ssrf';

const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

export const resolveHost: HostResolver = async (hostname: string): Promise<ResolvedAddress[]> => {
  try {
    const all = await lookup(hostname, { all: true, verbatim: true });
    return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (NOT_FOUND_CODES.has(code)) {
      throw validationError([{ field: SSRF_FIELD, issue: 'host does not resolve' }], 'The webhook URL is not allowed.');
    }
    throw dependencyUnavailable('dns', e);
  }
};
