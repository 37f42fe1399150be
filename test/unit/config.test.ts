import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/shared/config';

const STRONG = 'x'.repeat(40);
const PROD_OK = {
  ENVIRONMENT: 'production',
  JWT_SECRET_KEY: STRONG,
  API_KEY_SALT: 'y'.repeat(40),
  CORS_ORIGINS: '["https://app.example.com"]',
  COSMOS_DB_ENDPOINT: 'https://acct.documents.azure.com:443/',
  BLOB_STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b;EndpointSuffix=core.windows.net',
  SERVICE_BUS_CONNECTION_STRING: 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

describe('config defaults', () => {
  it('runs with no settings at all (local development)', () => {
    const c = loadConfig({});
    expect(c.ENVIRONMENT).toBe('development');
    expect(c.DEBUG).toBe(false);
    expect(c.COSMOS_DB_ENDPOINT).toBeUndefined();
    expect(c.COSMOS_DB_DATABASE).toBe('eva');
    expect(c.REDIS_PORT).toBe(6379);
    expect(c.RATE_LIMIT_ENABLED).toBe(true);
    expect(c.RATE_LIMIT_DEFAULT).toBe('50/hour');
    expect(c.RATE_LIMIT_AUTHENTICATED).toBe('100/hour');
    expect(c.JWT_ALGORITHM).toBe('HS256');
    expect(c.WEBHOOK_RETRY_SCHEDULE).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(c.DOCUMENT_MAX_BYTES).toBe(25 * 1024 * 1024);
  });

  it('parses typed values', () => {
    const c = loadConfig({
      DEBUG: 'TRUE',
      REDIS_SSL: '1',
      REDIS_PORT: '6380',
      CORS_ORIGINS: '["https://a.example","https://b.example"]',
      RATE_LIMIT_TIER_LIMITS: '{"free":"20/minute"}',
      WEBHOOK_RETRY_SCHEDULE: '1, 1,1',
      REDIS_HOST: '',
    });
    expect(c.DEBUG).toBe(true);
    expect(c.REDIS_SSL).toBe(true);
    expect(c.REDIS_PORT).toBe(6380);
    expect(c.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(c.RATE_LIMIT_TIER_LIMITS).toEqual({ free: '20/minute' });
    expect(c.WEBHOOK_RETRY_SCHEDULE).toEqual([1, 1, 1]);
    expect(c.REDIS_HOST).toBeUndefined(); // empty means unset
  });
});

describe('config errors', () => {
  it('names every bad setting in one error', () => {
    const p = problems({
      REDIS_PORT: 'abc',
      CORS_ORIGINS: 'https://not-json',
      RATE_LIMIT_DEFAULT: '100 per minute',
      DEBUG: 'maybe',
      ENVIRONMENT: 'prod',
      RATE_LIMIT_TIER_LIMITS: '{"gold":"1/second"}',
      WEBHOOK_RETRY_SCHEDULE: '1,x',
    });
    const names = p.map((s) => s.split(':')[0]).sort();
    expect(names).toEqual(
      ['CORS_ORIGINS', 'DEBUG', 'ENVIRONMENT', 'RATE_LIMIT_DEFAULT', 'RATE_LIMIT_TIER_LIMITS', 'REDIS_PORT', 'WEBHOOK_RETRY_SCHEDULE'].sort(),
    );
  });

  it('accepts only HS256', () => {
    expect(problems({ JWT_ALGORITHM: 'none' })[0]).toMatch(/^JWT_ALGORITHM/);
  });
});

describe('production refusals', () => {
  it('starts with strong secrets and real services', () => {
    expect(loadConfig(PROD_OK).ENVIRONMENT).toBe('production');
  });

  it('refuses missing secrets, naming each', () => {
    const { JWT_SECRET_KEY: _j, API_KEY_SALT: _a, ...rest } = PROD_OK;
    const p = problems(rest);
    expect(p).toContain('JWT_SECRET_KEY: is required in production');
    expect(p).toContain('API_KEY_SALT: is required in production');
  });

  it('refuses weak secrets, DEBUG, a * origin and private webhook targets, all in one message', () => {
    let message = '';
    try {
      loadConfig({
        ...PROD_OK,
        JWT_SECRET_KEY: 'short',
        API_KEY_SALT: 'also-short',
        DEBUG: 'true',
        CORS_ORIGINS: '["*"]',
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    for (const name of ['JWT_SECRET_KEY', 'API_KEY_SALT', 'DEBUG', 'CORS_ORIGINS', 'WEBHOOK_ALLOW_PRIVATE_TARGETS']) {
      expect(message).toContain(name);
    }
  });

  it('refuses a short platform admin key', () => {
    expect(problems({ ...PROD_OK, PLATFORM_ADMIN_API_KEY: 'short' })).toEqual(['PLATFORM_ADMIN_API_KEY: must be at least 32 characters in production']);
  });

  it('refuses the embedded emulators (no cloud endpoints) in production', () => {
    const p = problems({ ...PROD_OK, COSMOS_DB_ENDPOINT: '', BLOB_STORAGE_CONNECTION_STRING: '' });
    expect(p).toContain('COSMOS_DB_ENDPOINT: is required in production');
    expect(p).toContain('BLOB_STORAGE_ACCOUNT_URL: is required in production (or BLOB_STORAGE_CONNECTION_STRING)');
  });

  it('names the production refusals together with malformed settings, in one message', () => {
    const { JWT_SECRET_KEY: _j, ...rest } = PROD_OK;
    const p = problems({ ...rest, LOG_LEVEL: 'loud', DEBUG: 'true', API_KEY_SALT: ' '.repeat(40) });
    expect(p.some((s) => s.startsWith('LOG_LEVEL:'))).toBe(true);
    expect(p).toContain('JWT_SECRET_KEY: is required in production');
    expect(p).toContain('DEBUG: must be false in production');
    expect(p.some((s) => s.startsWith('API_KEY_SALT:'))).toBe(true);
  });

  it('refuses a secret that is only whitespace', () => {
    expect(problems({ ...PROD_OK, JWT_SECRET_KEY: ' '.repeat(40) })).toEqual(['JWT_SECRET_KEY: must be at least 32 characters in production']);
  });

  it('allows the same weak settings outside production', () => {
    expect(() => loadConfig({ JWT_SECRET_KEY: 'short', DEBUG: 'true', CORS_ORIGINS: '["*"]' })).not.toThrow();
  });
});
