/**
 * Azure Web PubSub through `@azure/web-pubsub`: one WebPubSubServiceClient per process from
 * WEB_PUBSUB_CONNECTION_STRING (the local stand-in's when the local host started it). Implements
 * RealtimePublisher (send JSON to a group) and RealtimeNegotiator (client access URLs).
 */
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { dependencyUnavailable } from '../core/errors';
import type { RealtimeClientAccess, RealtimeNegotiator, RealtimePublisher } from '../ports';

const SERVICE = 'Web PubSub';

export interface WebPubSubOptions {
  connectionString: string;
  hub: string;
  /** Bounds each REST call. */
  timeoutMs: number;
}

/** The role that lets a client join and leave exactly one group, and nothing else. */
export const joinRoleFor = (group: string): string => `webpubsub.joinLeaveGroup.${group}`;

export function createWebPubSub(options: WebPubSubOptions): RealtimePublisher & RealtimeNegotiator {
  const endpoint = /endpoint=([^;]+)/i.exec(options.connectionString)?.[1] ?? '';
  const client = new WebPubSubServiceClient(options.connectionString, options.hub, {
    // Only the loopback stand-in speaks plain http; a real service is always https.
    allowInsecureConnection: endpoint.startsWith('http:'),
    // One try per call: a failed push is retried by its own queue schedule (src/shared/realtime/push.ts).
    retryOptions: { maxRetries: 0 },
  });
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
