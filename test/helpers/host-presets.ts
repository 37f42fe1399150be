/** What each feature's HTTP tests start startTestHost() with: its function files and settings. */
import type { TestHostOptions } from './test-host';

const files = (names: string[]): string[] => names.map((n) => `src/functions/${n}.ts`);

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123456789';
export const TEST_ADMIN_KEY = 'test-platform-admin-key-0123456789abcdef';

export const IDENTITY_FUNCTIONS = files([
  'api-keys-list',
  'api-keys-create',
  'api-keys-get',
  'api-keys-delete',
  'api-keys-rotate',
  'auth-token',
  'auth-refresh',
  'auth-whoami',
  'admin-tenants-create',
  'admin-tenants-list',
  'admin-tenants-update',
  'keys-rotate',
  'health',
  'health-detailed',
]);

export const DOCUMENT_FUNCTIONS = files([
  'spaces-list',
  'spaces-create',
  'spaces-get',
  'spaces-replace',
  'spaces-update',
  'spaces-delete',
  'space-cleanup',
  'documents-upload',
  'documents-list',
  'documents-get',
  'documents-content',
  'documents-delete',
  'document-process',
]);

export const WEBHOOK_FUNCTIONS = files([
  'webhooks-list',
  'webhooks-create',
  'webhooks-get',
  'webhooks-update',
  'webhooks-delete',
  'webhooks-logs',
  'webhooks-test',
  'webhooks-rotate-secret',
  'webhooks-replay',
  'events-fanout',
  // events-fanout also enqueues the real-time push: its consumer runs too, so settle() drains.
  'realtime-push',
  'webhook-deliver',
  'outbox-relay',
]);

/** Identity functions with real Redis (generous default limit) and no Blob. */
export const identityHost = (env: Record<string, string> = {}): TestHostOptions => ({
  functions: IDENTITY_FUNCTIONS,
  blob: false,
  env: { JWT_SECRET_KEY: TEST_JWT_SECRET, PLATFORM_ADMIN_API_KEY: TEST_ADMIN_KEY, REDIS_HOST: '127.0.0.1', RATE_LIMIT_DEFAULT: '100000/hour', ...env },
});

/** Spaces and documents functions, rate limiting off; settle() waits for processing and cleanup. */
export const documentsHost = (env: Record<string, string> = {}): TestHostOptions => ({
  functions: DOCUMENT_FUNCTIONS,
  env: { JWT_SECRET_KEY: TEST_JWT_SECRET, RATE_LIMIT_ENABLED: 'false', ...env },
  retryDelayMs: 20,
  settleQueues: ['document-processing', 'space-cleanup'],
});

/**
 * Webhook functions with short retries (1,1,1 s) and private targets allowed (the receiver is on
 * 127.0.0.1) unless `env` says otherwise. Blob starts only when extra functions are loaded.
 * Events are published in-process with publishEvent, exactly as a feature's handler does.
 */
export const webhooksHost = (env: Record<string, string> = {}, extraFunctions: string[] = []): TestHostOptions => ({
  functions: [...WEBHOOK_FUNCTIONS, ...extraFunctions],
  blob: extraFunctions.length > 0,
  env: {
    REDIS_HOST: '127.0.0.1',
    RATE_LIMIT_DEFAULT: '100000/hour',
    RATE_LIMIT_TIER_LIMITS: '{"pro":"1000000/hour"}',
    WEBHOOK_RETRY_SCHEDULE: '1,1,1',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...env,
  },
  retryDelayMs: 50,
});

export const QUERY_FUNCTIONS = files(['queries-submit', 'queries-get', 'queries-status', 'queries-results', 'queries-list', 'query-answer']);

/** Documents and query functions, rate limiting off; settle() waits for processing and answers. */
export const queriesHost = (env: Record<string, string> = {}): TestHostOptions => ({
  functions: [...DOCUMENT_FUNCTIONS, ...QUERY_FUNCTIONS],
  env: { JWT_SECRET_KEY: TEST_JWT_SECRET, RATE_LIMIT_ENABLED: 'false', ...env },
  retryDelayMs: 20,
  settleQueues: ['document-processing', 'space-cleanup', 'queries'],
});
