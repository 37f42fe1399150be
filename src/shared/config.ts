/**
 * Every setting, as one zod schema parsed once. Names are the environment variable names.
 * Development defaults let `npm start` run with no settings at all; with
 * ENVIRONMENT=production the weak defaults and unsafe switches are refused, and every
 * bad setting is named in one message.
 */
import { z } from 'zod';
import { parseRate } from './core/rate';
import { TIERS } from './core/principal';
import { blobAuth, isConfigured, serviceBusAuth } from './core/azure-auth';

const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';
const DEV_API_KEY_SALT = 'dev-only-api-key-salt-change-me-0123456789abcdef';

/** "true"/"false"/"1"/"0"/"yes"/"no" (case-insensitive); anything else is an error. */
const bool = (def: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .prefault(def ? 'true' : 'false');

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const optionalUrl = optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s/]+/.test(v), {
  message: 'must be an http(s) URL',
});

const rate = (def: string) =>
  z
    .string()
    .trim()
    .default(def)
    .refine((v) => parseRate(v) !== undefined, { message: 'must look like 100/minute (second|minute|hour|day) or unlimited' });

const jsonStringArray = (def: string[]) =>
  z
    .string()
    .default(JSON.stringify(def))
    .transform((v, ctx) => {
      try {
        const parsed: unknown = JSON.parse(v);
        const r = z.array(z.string().min(1)).safeParse(parsed);
        if (r.success) return r.data;
      } catch {
        /* reported below */
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings, e.g. ["https://app.example.com"]' });
      return z.NEVER;
    });

const commaList = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );

const tierLimits = z
  .string()
  .default('{}')
  .transform((v, ctx) => {
    try {
      const parsed: unknown = JSON.parse(v);
      const r = z.partialRecord(z.enum(TIERS), z.string()).safeParse(parsed);
      if (r.success && Object.values(r.data).every((s) => parseRate(s) !== undefined)) return r.data;
    } catch {
      /* reported below */
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of tier to rate, e.g. {"free":"20/minute"}' });
    return z.NEVER;
  });

/** A JSON object of tier to a daily token budget (a whole number; a tier not named has no budget). */
const tierBudgets = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      try {
        const parsed: unknown = JSON.parse(v);
        const r = z.partialRecord(z.enum(TIERS), z.number().int().min(0)).safeParse(parsed);
        if (r.success) return r.data;
      } catch {
        /* reported below */
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of tier to a whole number of tokens, e.g. {"free":50000}' });
      return z.NEVER;
    });

export const configSchema = z.object({
  // --- platform
  EVA_API_VERSION: z.string().trim().min(1).default('0.1.0'),
  ENVIRONMENT: z.enum(['development', 'test', 'staging', 'production']).default('development'),
  DEBUG: bool(false),
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['debug', 'info', 'warn', 'error', 'silent']))
    .default('info'),
  LOG_FORMAT: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['json', 'text']))
    .default('text'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
  /** Seconds for calls to Azure services (Cosmos, Blob, Service Bus, Web PubSub, OpenAI). */
  AZURE_TIMEOUT: int(30, 1, 600),
  /** Seconds for outbound HTTP calls (webhook deliveries). */
  HTTP_TIMEOUT: int(10, 1, 120),
  /** Milliseconds a request body may take to arrive in full (a stalled or dripping body is a 408). */
  BODY_TIMEOUT_MS: int(120_000, 100, 3_600_000),
  /** Largest JSON request body accepted, in bytes. */
  MAX_REQUEST_BODY_BYTES: int(1_048_576, 1_024, 104_857_600),
  CORS_ORIGINS: jsonStringArray(['http://localhost:3000', 'http://127.0.0.1:3000']),

  // --- Azure OpenAI
  AZURE_OPENAI_ENDPOINT: optionalString,
  AZURE_OPENAI_KEY: optionalString,
  AZURE_OPENAI_DEPLOYMENT: z.string().trim().default('gpt-4o-mini'),
  AZURE_OPENAI_API_VERSION: z.string().trim().default('2024-10-21'),
  /** Retries of a failed model call (429, 5xx, timeouts), each after the retry-after Azure names. */
  AZURE_OPENAI_MAX_RETRIES: int(2, 0, 10),
  /** A 429/503 asking to wait longer than this is not retried: the query fails MODEL_UNAVAILABLE. */
  AZURE_OPENAI_MAX_RETRY_AFTER_SECONDS: int(20, 0, 600),

  // --- Cosmos DB (unset endpoint = the local host's embedded emulator)
  COSMOS_DB_ENDPOINT: optionalString,
  COSMOS_DB_KEY: optionalString,
  COSMOS_DB_DATABASE: z.string().trim().min(1).default('eva'),

  // --- Blob Storage (unset = the local host's embedded Azurite)
  BLOB_STORAGE_CONNECTION_STRING: optionalString,
  /** The account's blob endpoint, reached with the identity when no connection string is set. */
  BLOB_STORAGE_ACCOUNT_URL: optionalUrl,
  BLOB_STORAGE_CONTAINER: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid blob container name')
    .default('documents'),

  // --- Service Bus (unset = the local host's AMQP stand-in)
  SERVICE_BUS_CONNECTION_STRING: optionalString,
  /** {namespace}.servicebus.windows.net, reached with the identity when no connection string is set. */
  SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE: optionalString,

  // --- Web PubSub (unset = the local host's stand-in)
  WEB_PUBSUB_CONNECTION_STRING: optionalString,
  /** https://{name}.webpubsub.azure.com, reached with the identity when no connection string is set. */
  WEB_PUBSUB_ENDPOINT: optionalUrl,
  WEB_PUBSUB_HUB: z
    .string()
    .trim()
    .regex(/^[A-Za-z][A-Za-z0-9_`,.[\]]{0,127}$/, 'must be a valid hub name')
    .default('eva'),
  /** Minutes a client access URL from /v1/realtime/negotiate stays valid. */
  REALTIME_TOKEN_MINUTES: int(60, 1, 1_440),
  /** Seconds a failed push keeps being retried; older events are dropped (stale live updates help no one). */
  REALTIME_PUSH_MAX_AGE_SECONDS: int(300, 1, 86_400),

  // --- Redis (unset host = in-process rate limiter)
  REDIS_HOST: optionalString,
  REDIS_PORT: int(6379, 1, 65_535),
  REDIS_PASSWORD: optionalString,
  REDIS_SSL: bool(false),
  REDIS_DB: int(0, 0, 15),
  /** Milliseconds a rate-limit call may take before the in-process fallback answers. */
  REDIS_TIMEOUT_MS: int(150, 10, 10_000),

  // --- identity
  JWT_SECRET_KEY: z.string().default(DEV_JWT_SECRET),
  /** The secret before a rotation: tokens it signed still verify until it is removed (see docs/PRODUCTION-RUNBOOK.md). */
  JWT_PREVIOUS_SECRET_KEY: optionalString,
  JWT_ALGORITHM: z.literal('HS256').default('HS256'),
  JWT_EXPIRATION_MINUTES: int(30, 1, 1_440),
  JWT_ISSUER: z.string().trim().min(1).default('eva-api'),
  JWT_AUDIENCE: z.string().trim().min(1).default('eva-api'),
  REFRESH_TOKEN_TTL_DAYS: int(30, 1, 365),
  API_KEY_SALT: z.string().default(DEV_API_KEY_SALT),
  /** Seconds a verified API key is cached in-process (bounds how long a revocation takes). */
  API_KEY_CACHE_SECONDS: int(5, 0, 300),
  PLATFORM_ADMIN_API_KEY: optionalString,
  BOOTSTRAP_API_KEY: optionalString,
  BOOTSTRAP_TENANT_ID: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .default('dev'),
  BOOTSTRAP_TIER: z.enum(TIERS).default('pro'),
  KEY_ROTATION_SCHEDULE: z.string().trim().default('0 0 3 * * *'),
  /** Keys older than this are rotated by the timer; 0 turns age-based rotation off. */
  KEY_MAX_AGE_DAYS: int(90, 0, 3_650),
  KEY_ROTATION_GRACE_DAYS: int(7, 0, 90),
  KEY_EXPIRY_WARNING_DAYS: int(7, 0, 90),

  // --- rate limits
  RATE_LIMIT_ENABLED: bool(true),
  RATE_LIMIT_DEFAULT: rate('50/hour'),
  RATE_LIMIT_AUTHENTICATED: rate('100/hour'),
  RATE_LIMIT_TIER_LIMITS: tierLimits,

  // --- documents
  DOCUMENT_MAX_BYTES: int(26_214_400, 1, 1_073_741_824),
  DOCUMENT_ALLOWED_TYPES: commaList(
    'text/plain,text/markdown,text/html,text/csv,application/json,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  ),
  /** Milliseconds one document's text extraction may run (in its worker thread) before it ends `failed`. */
  EXTRACT_TIMEOUT_MS: int(120_000, 100, 900_000),
  /** The extraction worker's heap limit in MiB; past it the worker is stopped and the document ends `failed`. */
  EXTRACT_MAX_MEMORY_MB: int(256, 16, 4_096),
  /** Bytes (UTF-8) of text one document may yield. */
  EXTRACT_MAX_TEXT_BYTES: int(26_214_400, 1_024, 1_073_741_824),
  /** Pages a PDF may have. */
  EXTRACT_MAX_PAGES: int(10_000, 1, 1_000_000),
  /** Bytes a DOCX's XML parts may inflate to, in total (zip bombs). */
  EXTRACT_MAX_INFLATED_BYTES: int(67_108_864, 1_024, 4_294_967_295),
  CHUNK_SIZE: int(1_000, 100, 10_000),
  CHUNK_OVERLAP: int(150, 0, 5_000),
  DOCUMENT_REQUEUE_SCHEDULE: z.string().trim().default('0 */5 * * * *'),
  /** Seconds a document may sit `uploaded` (or `processing`) before documents-requeue queues it again. */
  DOCUMENT_REQUEUE_AFTER_SECONDS: int(300, 0, 86_400),

  // --- retrieval
  /** An Azure OpenAI embeddings deployment: set (with AZURE_OPENAI_ENDPOINT) = hybrid retrieval. */
  AZURE_OPENAI_EMBEDDING_DEPLOYMENT: optionalString,
  /** Vector length to ask for (text-embedding-3 models can shorten theirs); unset = the model's own. */
  AZURE_OPENAI_EMBEDDING_DIMENSIONS: z.coerce.number().int().min(1).max(4_096).optional(),
  /** Chunks embedded per request at processing time. */
  AZURE_OPENAI_EMBEDDING_BATCH_SIZE: int(64, 1, 2_048),
  /** Memory for the warm retrieval indexes of one instance (least recently used go first); 0 = none kept. */
  RETRIEVAL_INDEX_CACHE_MB: int(256, 0, 65_536),
  /** Spaces whose retrieval index one instance keeps warm. */
  RETRIEVAL_INDEX_CACHE_ENTRIES: int(100, 0, 100_000),

  // --- questions
  /** Seconds POST /v1/spaces/{id}/query?wait=true waits for the answer before answering 202. */
  QUERY_WAIT_SECONDS: int(10, 0, 60),
  /** Upper bound on an answer's length, in characters. */
  QUERY_ANSWER_MAX_CHARS: int(2_000, 200, 20_000),
  /** Upper bound on a generated answer, in model tokens (the completion's max_tokens). */
  QUERY_ANSWER_MAX_TOKENS: int(800, 16, 16_384),
  /** Model tokens a tenant may use per UTC day, by tier (a key without a tier counts as free; a tier not named: no budget). */
  QUERY_DAILY_TOKEN_BUDGETS: tierBudgets('{"anonymous":0,"free":50000,"basic":500000,"pro":5000000}'),

  // --- GraphQL (docs/graphql.md)
  /** Highest query cost (objects 1, lists × first) an operation may request. */
  GRAPHQL_MAX_COST: int(5_000, 1, 1_000_000),
  /** Each started this-many cost points count as one request toward the rate limit. */
  GRAPHQL_COST_PER_REQUEST: int(100, 1, 1_000_000),
  /** Lexical tokens a document may have (refused before parsing further). */
  GRAPHQL_MAX_TOKENS: int(2_000, 50, 100_000),
  /** Introspection in production (always on elsewhere). */
  GRAPHQL_INTROSPECTION: bool(false),
  /** Run only operations of the persisted manifest (src/shared/graphql/persisted-manifest.ts); meant for production. */
  GRAPHQL_PERSISTED_ONLY: bool(false),

  // --- events and webhooks
  OUTBOX_RELAY_SCHEDULE: z.string().trim().default('0 */1 * * * *'),
  /** Seconds after which an unsent outbox event is re-published by the relay. */
  OUTBOX_STALE_SECONDS: int(60, 1, 86_400),
  /** Seconds between delivery attempts, comma separated (retries after the first attempt). */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5,300,1800,7200,18000,36000,36000')
    .transform((v, ctx) => {
      const parts = v.split(',').map((s) => s.trim());
      const nums = parts.map(Number);
      if (parts.length === 0 || parts.length > 20 || nums.some((n) => !Number.isFinite(n) || n < 0 || n > 604_800)) {
        ctx.addIssue({ code: 'custom', message: 'must be 1-20 comma-separated numbers of seconds, e.g. 5,300,1800' });
        return z.NEVER;
      }
      return nums;
    }),
  WEBHOOK_LOG_RETENTION_DAYS: int(30, 1, 365),
  WEBHOOK_DISABLE_AFTER_DAYS: int(5, 1, 90),
  WEBHOOK_SECRET_OVERLAP_HOURS: int(24, 0, 720),
  WEBHOOK_REPLAY_MAX: int(1_000, 1, 100_000),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool(false),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Rules that only hold in production; each problem names its setting. */
function productionProblems(c: Config, env: Record<string, string | undefined>): string[] {
  const p: string[] = [];
  const secret = (name: 'JWT_SECRET_KEY' | 'API_KEY_SALT', devDefault: string) => {
    if (!env[name]) p.push(`${name}: is required in production`);
    // Trimmed: 40 spaces are no secret.
    else if (c[name].trim().length < 32) p.push(`${name}: must be at least 32 characters in production`);
    else if (c[name] === devDefault) p.push(`${name}: must not be the development default in production`);
  };
  secret('JWT_SECRET_KEY', DEV_JWT_SECRET);
  secret('API_KEY_SALT', DEV_API_KEY_SALT);
  if (c.DEBUG) p.push('DEBUG: must be false in production');
  if (c.CORS_ORIGINS.some((o) => o.includes('*'))) p.push('CORS_ORIGINS: must not contain "*" in production');
  if (c.WEBHOOK_ALLOW_PRIVATE_TARGETS) p.push('WEBHOOK_ALLOW_PRIVATE_TARGETS: must be false in production');
  if (c.PLATFORM_ADMIN_API_KEY !== undefined && c.PLATFORM_ADMIN_API_KEY.length < 32)
    p.push('PLATFORM_ADMIN_API_KEY: must be at least 32 characters in production');
  if (!c.COSMOS_DB_ENDPOINT) p.push('COSMOS_DB_ENDPOINT: is required in production');
  // Either a connection string or the endpoint the identity reaches (src/shared/core/azure-auth.ts).
  if (!isConfigured(blobAuth(c))) p.push('BLOB_STORAGE_ACCOUNT_URL: is required in production (or BLOB_STORAGE_CONNECTION_STRING)');
  if (!isConfigured(serviceBusAuth(c))) p.push('SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE: is required in production (or SERVICE_BUS_CONNECTION_STRING)');
  return p;
}

/** Parses settings from an environment (default process.env); throws ConfigError naming every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as they do in app settings and .env files.
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const r = configSchema.safeParse(input);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    // The production rules are checked too (the malformed settings at their defaults), so one
    // message names every bad setting, not only the malformed ones.
    const bad = new Set(r.error.issues.map((i) => String(i.path[0])));
    const rest = configSchema.safeParse(Object.fromEntries(Object.entries(input).filter(([k]) => !bad.has(k))));
    if (rest.success && rest.data.ENVIRONMENT === 'production') {
      problems.push(...productionProblems(rest.data, env).filter((p) => !bad.has(p.split(':')[0] ?? p)));
    }
    throw new ConfigError(problems);
  }
  if (r.data.ENVIRONMENT === 'production') {
    const problems = productionProblems(r.data, env);
    if (problems.length > 0) throw new ConfigError(problems);
  }
  return r.data;
}

let cached: Config | undefined;

/** The process's settings, parsed once. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Forget the parsed settings (tests and the local host change the environment). */
export function resetConfig(): void {
  cached = undefined;
}
