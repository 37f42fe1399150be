/** The one `limit`/`cursor` query of every list endpoint: same bounds, same default, same message. */
import { z } from 'zod';

const LIMIT_MESSAGE = 'must be an integer from 1 to 100';

export const pageLimit = z.coerce.number({ message: LIMIT_MESSAGE }).int(LIMIT_MESSAGE).min(1, LIMIT_MESSAGE).max(100, LIMIT_MESSAGE).default(20);

/** Opaque continuation token (src/shared/adapters pagination); bounded so a forged one cannot be huge. */
export const cursorParam = z.string().min(1).max(4096).optional();

export const pageQuery = z.object({ limit: pageLimit, cursor: cursorParam });
