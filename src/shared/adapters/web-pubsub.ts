/**
 * Azure Web PubSub through `@azure/web-pubsub`: one WebPubSubServiceClient per process from
 * WEB_PUBSUB_CONNECTION_STRING (the local stand-in's when the local host started it), or from
 * WEB_PUBSUB_ENDPOINT with the identity (src/shared/core/azure-auth.ts). Implements
 * RealtimePublisher (send JSON to a group) and RealtimeNegotiator (client access URLs).
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { AzureKeyCredential, WebPubSubServiceClient, type WebPubSubServiceClientOptions } from '@azure/web-pubsub';
import { dependencyUnavailable } from '../core/errors';
import type { RealtimeClientAccess, RealtimeNegotiator, RealtimePublisher } from '../ports';

const SERVICE = 'Web PubSub';

export interface WebPubSubOptions {
  /** A connection string, or an endpoint reached with the credential (Web PubSub Service Owner). */
  connectionString?: string;
  endpoint?: string;
  credential?: TokenCredential;
  hub: string;
  /** Bounds each REST call. */
  timeoutMs: number;
}

/** The role that lets a client join and leave exactly one group, and nothing else. */
export const joinRoleFor = (group: string): string => `webpubsub.joinLeaveGroup.${group}`;

/**
 * The access key as the SDK's credential, but handed out as a secret KeyObject. Why: the SDK signs
 * a token for every REST call (and every client access URL) with jsonwebtoken, which first tries
 * createPrivateKey() on a string key and catches the throw — an Error with a stack trace per call,
 * 11% of the host's CPU while it pushes events (bench:webhooks profile). jsonwebtoken takes a
 * KeyObject as it is; the bytes it signs with are the same (the key string's UTF-8).
 */
class SecretKeyObjectCredential extends AzureKeyCredential {
  #secret: KeyObject;
  constructor(key: string) {
    super(key);
    this.#secret = createSecretKey(Buffer.from(key, 'utf8'));
  }
  override get key(): string {
    // jsonwebtoken's sign() accepts a KeyObject wherever it accepts the string.
    return this.#secret as unknown as string;
  }
  override update(newKey: string): void {
    super.update(newKey);
    this.#secret = createSecretKey(Buffer.from(newKey, 'utf8'));
  }
}

/** Endpoint and key from `Endpoint=…;AccessKey=…[;Port=…];Version=1.0`, read as the SDK reads it. */
export function parseWebPubSubConnectionString(connectionString: string): { endpoint: string; accessKey: string } {
  const parts = new Map<string, string>();
  for (const piece of connectionString.split(';')) {
    const i = piece.indexOf('=');
    if (i > 0) parts.set(piece.slice(0, i).toLowerCase(), piece.slice(i + 1));
  }
  const raw = parts.get('endpoint');
  const accessKey = parts.get('accesskey');
  if (!raw || !accessKey) throw new TypeError('WEB_PUBSUB_CONNECTION_STRING needs Endpoint and AccessKey');
  const url = new URL(raw.startsWith('http') ? raw : `https://${raw}`);
  const port = parts.get('port');
  if (port) url.port = port;
  return { endpoint: url.toString(), accessKey };
}

export function createWebPubSub(options: WebPubSubOptions): RealtimePublisher & RealtimeNegotiator {
  const identity = options.endpoint && options.credential ? { endpoint: options.endpoint, credential: options.credential } : undefined;
  const keyed = identity ? undefined : parseWebPubSubConnectionString(options.connectionString ?? '');
  const endpoint = identity?.endpoint ?? keyed?.endpoint ?? '';
  const credential = identity?.credential ?? new SecretKeyObjectCredential(keyed?.accessKey ?? '');
  const clientOptions: WebPubSubServiceClientOptions = {
    // Only the loopback stand-in speaks plain http; a real service is always https.
    allowInsecureConnection: endpoint.startsWith('http:'),
    // One try per call: a failed push is retried by its own queue schedule (src/shared/realtime/push.ts).
    retryOptions: { maxRetries: 0 },
  };
  // With the identity, client access tokens are issued by the service (generateToken), not signed here.
  const client = new WebPubSubServiceClient(endpoint, credential, options.hub, clientOptions);
  return {
    async sendToGroup(group: string, payload: unknown): Promise<void> {
      try {
        await client.group(group).sendToAll(payload as Record<string, unknown>, { abortSignal: AbortSignal.timeout(options.timeoutMs) });
      } catch (err) {
        throw dependencyUnavailable(SERVICE, err);
      }
    },
    async clientAccess(userId: string, groups: readonly string[], lifetimeMinutes: number): Promise<RealtimeClientAccess> {
      try {
        const t = await client.getClientAccessToken({
          userId,
          // Join/leave only these groups; no send role, so clients never publish to them.
          roles: groups.map(joinRoleFor),
          // The connection starts in them too, so a fresh connection (after close code 1008) needs no rejoin.
          groups: [...groups],
          expirationTimeInMinutes: lifetimeMinutes,
        });
        return { url: t.url, expiresInSeconds: lifetimeMinutes * 60 };
      } catch (err) {
        throw dependencyUnavailable(SERVICE, err);
      }
    },
  };
}
