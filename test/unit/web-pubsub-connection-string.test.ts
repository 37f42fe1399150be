import { describe, expect, it } from 'vitest';
import { parseWebPubSubConnectionString } from '../../src/shared/adapters/web-pubsub';

describe('Web PubSub connection strings', () => {
  it('reads endpoint, port and access key as the SDK does (https when the scheme is missing)', () => {
    expect(parseWebPubSubConnectionString('Endpoint=http://127.0.0.1;Port=7080;AccessKey=abc=;Version=1.0;')).toEqual({
      endpoint: 'http://127.0.0.1:7080/',
      accessKey: 'abc=',
    });
    expect(parseWebPubSubConnectionString('endpoint=eva.webpubsub.azure.com;accesskey=k')).toEqual({
      endpoint: 'https://eva.webpubsub.azure.com/',
      accessKey: 'k',
    });
  });

  it('refuses a string without an endpoint or a key', () => {
    expect(() => parseWebPubSubConnectionString('AccessKey=k')).toThrow(/Endpoint and AccessKey/);
    expect(() => parseWebPubSubConnectionString('Endpoint=https://x.webpubsub.azure.com')).toThrow(/Endpoint and AccessKey/);
  });
});
