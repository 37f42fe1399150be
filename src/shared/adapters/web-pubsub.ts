/**
 * Azure Web PubSub through `@azure/web-pubsub`: one WebPubSubServiceClient per process from
 * WEB_PUBSUB_CONNECTION_STRING (the local stand-in's when the local host started it), or from
 * WEB_PUBSUB_ENDPOINT with the identity (src/shared/core/azure-auth.ts). Implements
 * RealtimePublisher (send JSON to a group) and RealtimeNegotiator (client access URLs).
 */
import type { TokenCredential } from '@azure/identity';
import { WebPubSubServiceClient, type WebPubSubServiceClientOptions } from '@azure/web-pubsub';
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

export function createWebPubSub(options: WebPubSubOptions): RealtimePublisher & RealtimeNegotiator {
  const endpoint = options.endpoint ?? /endpoint=([^;]+)/i.exec(options.connectionString ?? '')?.[1] ?? '';
  const clientOptions: WebPubSubServiceClientOptions = {
    // Only the loopback stand-in speaks plain http; a real service is always https.
    allowInsecureConnection: endpoint.startsWith('http:'),
    // One try per call: a failed push is retried by its own queue schedule (src/shared/realtime/push.ts).
    retryOptions: { maxRetries: 0 },
  };
  // With the identity, client access tokens are issued by the service (generateToken), not signed here.
  const client =
    options.endpoint && options.credential
      ? new WebPubSubServiceClient(options.endpoint, options.credential, options.hub, clientOptions)
      : new WebPubSubServiceClient(options.connectionString ?? '', options.hub, clientOptions);
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
