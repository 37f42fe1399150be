import { connect } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterEach, describe, expect, it } from 'vitest';
import { getConfig, resetConfig } from '../../src/shared/config';
import { startEmulators } from '../../local/emulators';
import { EMULATOR_SETTINGS } from '../../local/emulators-process';

/** The settings the emulators put into the environment (the same list the emulators process reports). */
const SETTINGS = EMULATOR_SETTINGS;
const original = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));

function restoreEnv() {
  for (const k of SETTINGS) {
    if (original[k] === undefined) delete process.env[k];
    else process.env[k] = original[k];
  }
  resetConfig();
}

/** Resolves true if something accepts a TCP connection on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('startEmulators', () => {
  afterEach(restoreEnv);

  it('starts both emulators on loopback, publishes their settings to config, and serves the real SDKs', async () => {
    for (const k of SETTINGS) delete process.env[k];
    resetConfig();
    const emulators = await startEmulators();
    try {
      const c = getConfig();
      expect(c.COSMOS_DB_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(c.COSMOS_DB_KEY).toBeTruthy();
      expect(c.BLOB_STORAGE_CONNECTION_STRING).toMatch(/BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1/);
      expect(emulators.summary).toEqual([
        `Cosmos DB: embedded emulator at ${c.COSMOS_DB_ENDPOINT}`,
        expect.stringMatching(/^Blob Storage: embedded Azurite at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/),
        expect.stringMatching(/^Service Bus: AMQP stand-in at sb:\/\/127\.0\.0\.1:\d+ \(queues: events, /),
        expect.stringMatching(/^Web PubSub: local stand-in at http:\/\/127\.0\.0\.1:\d+$/),
      ]);
      expect(c.WEB_PUBSUB_CONNECTION_STRING).toMatch(/^Endpoint=http:\/\/127\.0\.0\.1:\d+;AccessKey=[^;]+;Version=1\.0;$/);
      expect(emulators.webPubSub?.endpoint).toBe(/Endpoint=([^;]+)/.exec(c.WEB_PUBSUB_CONNECTION_STRING!)?.[1]);
      expect(c.SERVICE_BUS_CONNECTION_STRING).toMatch(/^Endpoint=sb:\/\/127\.0\.0\.1:\d+;.*UseDevelopmentEmulator=true$/);

      const cosmos = new CosmosClient({
        endpoint: c.COSMOS_DB_ENDPOINT!,
        key: c.COSMOS_DB_KEY!,
        connectionPolicy: { enableEndpointDiscovery: false },
      });
      const { database } = await cosmos.databases.createIfNotExists({ id: 'probe' });
      const { container } = await database.containers.createIfNotExists({ id: 'c', partitionKey: { paths: ['/pk'] } });
      await container.items.create({ id: 'one', pk: 'p' });
      const { resource } = await container.item('one', 'p').read<{ id: string }>();
      expect(resource?.id).toBe('one');
      cosmos.dispose();

      const blob = BlobServiceClient.fromConnectionString(c.BLOB_STORAGE_CONNECTION_STRING!);
      const bc = blob.getContainerClient('probe');
      await bc.createIfNotExists();
      await bc.getBlockBlobClient('a.txt').upload('hello', 5);
      expect((await bc.getBlobClient('a.txt').downloadToBuffer()).toString()).toBe('hello');
    } finally {
      await emulators.stop();
    }
  });

  it('stop() closes the ports and restores the environment it changed', async () => {
    for (const k of SETTINGS) delete process.env[k];
    resetConfig();
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const serversBefore = servers();
    const emulators = await startEmulators();
    expect(servers()).toBe(serversBefore + 4);
    const busPort = Number(/sb:\/\/127\.0\.0\.1:(\d+)/.exec(process.env.SERVICE_BUS_CONNECTION_STRING!)![1]);
    expect(await accepts(busPort)).toBe(true);
    const pubsubPort = portOf(/Endpoint=([^;]+)/.exec(process.env.WEB_PUBSUB_CONNECTION_STRING!)![1]!);
    expect(await accepts(pubsubPort)).toBe(true);
    const cosmosPort = portOf(process.env.COSMOS_DB_ENDPOINT!);
    const blobPort = portOf(/BlobEndpoint=([^;]+)/.exec(process.env.BLOB_STORAGE_CONNECTION_STRING!)![1]!);
    expect(await accepts(cosmosPort)).toBe(true);
    expect(await accepts(blobPort)).toBe(true);

    await emulators.stop();

    expect(await accepts(cosmosPort)).toBe(false);
    expect(await accepts(blobPort)).toBe(false);
    expect(await accepts(busPort)).toBe(false);
    expect(await accepts(pubsubPort)).toBe(false);
    expect(servers()).toBe(serversBefore); // no listening handle left behind
    for (const k of SETTINGS) expect(process.env[k]).toBeUndefined();
    expect(getConfig().COSMOS_DB_ENDPOINT).toBeUndefined();
    await emulators.stop(); // idempotent
  });

  it('uses a configured account instead of starting an emulator, and leaves its settings alone', async () => {
    process.env.COSMOS_DB_ENDPOINT = 'https://example-account.documents.azure.com:443/';
    process.env.COSMOS_DB_KEY = 'configured-key';
    process.env.BLOB_STORAGE_CONNECTION_STRING = 'DefaultEndpointsProtocol=https;AccountName=example;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net';
    process.env.SERVICE_BUS_CONNECTION_STRING = 'Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0';
    process.env.WEB_PUBSUB_CONNECTION_STRING = 'Endpoint=https://example.webpubsub.azure.com;AccessKey=cHVic3Via2V5;Version=1.0;';
    const emulators = await startEmulators();
    try {
      expect(emulators.summary).toEqual([
        'Cosmos DB: using configured account at https://example-account.documents.azure.com',
        'Blob Storage: using configured account at example',
        'Service Bus: using the configured namespace (SERVICE_BUS_CONNECTION_STRING)',
        'Web PubSub: using configured service at https://example.webpubsub.azure.com',
      ]);
      expect(emulators.webPubSub).toBeUndefined();
      // The summary never shows keys.
      expect(emulators.summary.join('\n')).not.toMatch(/configured-key|c2VjcmV0|cHVic3Via2V5/);
      expect(process.env.COSMOS_DB_KEY).toBe('configured-key');
    } finally {
      await emulators.stop();
    }
    expect(process.env.COSMOS_DB_ENDPOINT).toBe('https://example-account.documents.azure.com:443/');
  });

  it('starts only what is asked for', async () => {
    for (const k of SETTINGS) delete process.env[k];
    const emulators = await startEmulators({ cosmos: false, serviceBus: false, webPubSub: false });
    try {
      expect(emulators.summary).toHaveLength(1);
      expect(emulators.summary[0]).toMatch(/^Blob Storage: embedded Azurite/);
      expect(process.env.COSMOS_DB_ENDPOINT).toBeUndefined();
      expect(process.env.SERVICE_BUS_CONNECTION_STRING).toBeUndefined();
    } finally {
      await emulators.stop();
    }
  });
});
