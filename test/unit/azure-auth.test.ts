import { describe, expect, it } from 'vitest';
import { blobAuth, cosmosAuth, isConfigured, openAiAuth, selectAzureAuth, serviceBusAuth, webPubSubAuth } from '../../src/shared/core/azure-auth';
import { ConfigError, loadConfig } from '../../src/shared/config';

describe('selectAzureAuth: which setting present -> which auth', () => {
  it('a connection string wins over everything', () => {
    expect(selectAzureAuth({ connectionString: 'Endpoint=x', endpoint: 'https://a', key: 'k' })).toEqual({
      kind: 'connection-string',
      connectionString: 'Endpoint=x',
    });
  });
  it('endpoint + key -> key; endpoint alone -> identity; nothing -> none', () => {
    expect(selectAzureAuth({ endpoint: 'https://a', key: 'k' })).toEqual({ kind: 'key', endpoint: 'https://a', key: 'k' });
    expect(selectAzureAuth({ endpoint: 'https://a' })).toEqual({ kind: 'identity', endpoint: 'https://a' });
    expect(selectAzureAuth({})).toEqual({ kind: 'none' });
  });
  it('blank values count as unset; a key without an endpoint is nothing', () => {
    expect(selectAzureAuth({ connectionString: '  ', endpoint: ' https://a ', key: '' })).toEqual({ kind: 'identity', endpoint: 'https://a' });
    expect(selectAzureAuth({ key: 'k' })).toEqual({ kind: 'none' });
    expect(isConfigured({ kind: 'none' })).toBe(false);
    expect(isConfigured({ kind: 'identity', endpoint: 'https://a' })).toBe(true);
  });
});

describe('per service', () => {
  it('Cosmos: endpoint + key, or endpoint alone', () => {
    expect(cosmosAuth({ COSMOS_DB_ENDPOINT: 'https://c.documents.azure.com:443/', COSMOS_DB_KEY: 'k' }).kind).toBe('key');
    expect(cosmosAuth({ COSMOS_DB_ENDPOINT: 'https://c.documents.azure.com:443/' }).kind).toBe('identity');
    expect(cosmosAuth({ COSMOS_DB_KEY: 'k' }).kind).toBe('none');
  });
  it('Blob: connection string, or account URL', () => {
    expect(blobAuth({ BLOB_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', BLOB_STORAGE_ACCOUNT_URL: 'https://a.blob.core.windows.net' }).kind).toBe(
      'connection-string',
    );
    expect(blobAuth({ BLOB_STORAGE_ACCOUNT_URL: 'https://a.blob.core.windows.net' })).toEqual({
      kind: 'identity',
      endpoint: 'https://a.blob.core.windows.net',
    });
  });
  it('Service Bus: connection string, or the namespace host (sb:// and trailing slash dropped)', () => {
    expect(serviceBusAuth({ SERVICE_BUS_CONNECTION_STRING: 'Endpoint=sb://n/' }).kind).toBe('connection-string');
    expect(serviceBusAuth({ SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE: 'sb://n.servicebus.windows.net/' })).toEqual({
      kind: 'identity',
      endpoint: 'n.servicebus.windows.net',
    });
    expect(serviceBusAuth({}).kind).toBe('none');
  });
  it('Web PubSub: connection string, or endpoint', () => {
    expect(webPubSubAuth({ WEB_PUBSUB_CONNECTION_STRING: 'Endpoint=https://w;AccessKey=k;Version=1.0;' }).kind).toBe('connection-string');
    expect(webPubSubAuth({ WEB_PUBSUB_ENDPOINT: 'https://w.webpubsub.azure.com' }).kind).toBe('identity');
  });
  it('OpenAI: endpoint + key, or endpoint alone', () => {
    expect(openAiAuth({ AZURE_OPENAI_ENDPOINT: 'https://o.openai.azure.com', AZURE_OPENAI_KEY: 'k' }).kind).toBe('key');
    expect(openAiAuth({ AZURE_OPENAI_ENDPOINT: 'https://o.openai.azure.com' }).kind).toBe('identity');
    expect(openAiAuth({}).kind).toBe('none');
  });
});

describe('production accepts either a connection string or the endpoint', () => {
  const base = {
    ENVIRONMENT: 'production',
    JWT_SECRET_KEY: 'j'.repeat(40),
    API_KEY_SALT: 's'.repeat(40),
    COSMOS_DB_ENDPOINT: 'https://c.documents.azure.com:443/',
    CORS_ORIGINS: '["https://app.example.com"]',
  };
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };
  it('endpoints alone (identity) are enough', () => {
    expect(
      problems({ ...base, BLOB_STORAGE_ACCOUNT_URL: 'https://a.blob.core.windows.net', SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE: 'n.servicebus.windows.net' }),
    ).toEqual([]);
  });
  it('connection strings alone are enough', () => {
    expect(problems({ ...base, BLOB_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true', SERVICE_BUS_CONNECTION_STRING: 'Endpoint=sb://n/' })).toEqual([]);
  });
  it('neither names both settings', () => {
    const p = problems(base);
    expect(p).toContain('BLOB_STORAGE_ACCOUNT_URL: is required in production (or BLOB_STORAGE_CONNECTION_STRING)');
    expect(p).toContain('SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE: is required in production (or SERVICE_BUS_CONNECTION_STRING)');
  });
  it('a malformed account URL is refused by name, once', () => {
    expect(problems({ ...base, BLOB_STORAGE_ACCOUNT_URL: 'a.blob.core.windows.net', SERVICE_BUS_CONNECTION_STRING: 'x' })).toEqual([
      'BLOB_STORAGE_ACCOUNT_URL: must be an http(s) URL',
    ]);
  });
});
