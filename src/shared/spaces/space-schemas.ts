/** Request and response schemas of the /v1/spaces endpoints (the pipeline makes request objects strict). */
import { z } from 'zod';
import { cursorParam, pageLimit } from '../http/pagination';
import { SPACE_ID_PATTERN } from './space-records';

// eslint-disable-next-line no-control-regex -- names with control characters are refused on purpose
const CONTROL = /[\u0000-\u001f\u007f]/;

export const spaceName = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'must be 1-200 characters')
      .max(200, 'must be 1-200 characters')
      .refine((s) => !CONTROL.test(s), 'must not contain control characters'),
  );

export const spaceDescription = z.string().max(2000, 'must be at most 2000 characters');

/** Flat key/value metadata: at most 50 keys, small values, about 16 KB in all. */
export const spaceMetadata = z
  .record(z.string().min(1).max(64, 'keys must be 1-64 characters'), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]))
  .refine((m) => Object.keys(m).length <= 50, 'must have at most 50 keys')
  .refine((m) => JSON.stringify(m).length <= 16_384, 'must be at most 16 KB as JSON');

export const spaceIdParams = z.object({
  id: z.string().regex(SPACE_ID_PATTERN, 'is not a valid space id'),
});

export const createSpaceBody = z.object({
  name: spaceName,
  description: spaceDescription.nullable().optional(),
  metadata: spaceMetadata.optional(),
});

/** PUT: the whole space (fields left out are reset). */
export const replaceSpaceBody = createSpaceBody;

/** PATCH: any subset; description null clears it. */
export const patchSpaceBody = z
  .object({
    name: spaceName.optional(),
    description: spaceDescription.nullable().optional(),
    metadata: spaceMetadata.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const listSpacesQuery = z.object({
  limit: pageLimit,
  cursor: cursorParam,
  name_prefix: z.string().min(1).max(200).optional(),
  sort: z.enum(['created_at', 'name']).default('created_at'),
  order: z.enum(['asc', 'desc']).optional(),
});

const instant = z.iso.datetime({ offset: true });

/** A space as the API shows it: toSpaceDto's return type, so the two cannot drift. */
export const spaceDto = z
  .object({
    id: z.string().regex(SPACE_ID_PATTERN),
    name: z.string(),
    description: z.string().nullable(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    document_count: z.number().int().min(0),
    created_at: instant,
    updated_at: instant,
  })
  .meta({ id: 'Space' });
export type SpaceDto = z.output<typeof spaceDto>;
