/**
 * The typed EVA API client: openapi-fetch over the types openapi-typescript generates from
 * openapi.json (src/schema.d.ts; regenerate with `npm run client` at the repo root). Every path,
 * parameter, body and response is typed from the description; nothing here is written by hand
 * beyond the credentials and a few type aliases.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths, webhooks } from './schema';

export type { components, paths, webhooks };

export interface EvaClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API lives, with its /api prefix: 'http://127.0.0.1:7071/api'. */
  baseUrl: string;
  /** An API key, sent as X-API-Key. */
  apiKey?: string;
  /** A JWT from POST /v1/auth/token, sent as Authorization: Bearer. */
  token?: string;
}

export type EvaClient = Client<paths>;

export function createEvaClient(options: EvaClientOptions): EvaClient {
  const { apiKey, token, headers, ...rest } = options;
  const auth: Record<string, string> = {};
  if (apiKey) auth['X-API-Key'] = apiKey;
  if (token) auth.Authorization = `Bearer ${token}`;
  return createClient<paths>({ ...rest, headers: { ...auth, ...(headers as Record<string, string> | undefined) } });
}

type Schemas = components['schemas'];
export type Space = Schemas['Space'];
export type Document = Schemas['Document'];
export type Query = Schemas['Query'];
export type Webhook = Schemas['Webhook'];
export type ApiKey = Schemas['ApiKey'];
/** Any webhook payload; switch on `event_type` to narrow it. */
export type EvaEvent = Schemas['Event'];
/** The payload of one event type: EventOf<'space.created'>. */
export type EventOf<T extends EvaEvent['event_type']> = Extract<EvaEvent, { event_type: T }>;
