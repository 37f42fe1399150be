/**
 * Which way to authenticate to an Azure service, from the settings present (pure; unit-tested in
 * test/unit/azure-auth.test.ts). The rule is the same for every service:
 *
 *   connection string set            -> 'connection-string' (keys inside it; local emulators use this)
 *   endpoint and key set             -> 'key'
 *   endpoint only                    -> 'identity' (DefaultAzureCredential: the Function App's managed
 *                                       identity in Azure, `az login` or AZURE_* variables elsewhere)
 *   nothing                          -> 'none' (the adapter reports DEPENDENCY_UNAVAILABLE)
 *
 * A secret always wins over the identity, so an operator can fall back to keys by setting one.
 * Adapters call the per-service helpers below and build their SDK client from the answer; the
 * credential itself comes from src/shared/adapters/azure-credential.ts (one per process).
 */

export type AzureAuth =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'key'; endpoint: string; key: string }
  | { kind: 'identity'; endpoint: string }
  | { kind: 'none' };

export interface AuthSettings {
  connectionString?: string | undefined;
  endpoint?: string | undefined;
  key?: string | undefined;
}

const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/** The one selection rule (see the module comment). */
export function selectAzureAuth(s: AuthSettings): AzureAuth {
  if (present(s.connectionString)) return { kind: 'connection-string', connectionString: s.connectionString.trim() };
  if (!present(s.endpoint)) return { kind: 'none' };
  const endpoint = s.endpoint.trim();
  if (present(s.key)) return { kind: 'key', endpoint, key: s.key.trim() };
  return { kind: 'identity', endpoint };
}

/** The settings each service reads (names = src/shared/config.ts). */
export interface AzureServiceSettings {
  COSMOS_DB_ENDPOINT?: string | undefined;
  COSMOS_DB_KEY?: string | undefined;
  BLOB_STORAGE_CONNECTION_STRING?: string | undefined;
  BLOB_STORAGE_ACCOUNT_URL?: string | undefined;
  SERVICE_BUS_CONNECTION_STRING?: string | undefined;
  SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE?: string | undefined;
  WEB_PUBSUB_CONNECTION_STRING?: string | undefined;
  WEB_PUBSUB_ENDPOINT?: string | undefined;
  AZURE_OPENAI_ENDPOINT?: string | undefined;
  AZURE_OPENAI_KEY?: string | undefined;
}

/** Cosmos DB: endpoint + key, or endpoint alone (data-plane role "Cosmos DB Built-in Data Contributor"). */
export const cosmosAuth = (c: AzureServiceSettings): AzureAuth => selectAzureAuth({ endpoint: c.COSMOS_DB_ENDPOINT, key: c.COSMOS_DB_KEY });

/** Blob Storage: a connection string, or the account URL (https://{account}.blob.core.windows.net). */
export const blobAuth = (c: AzureServiceSettings): AzureAuth =>
  selectAzureAuth({ connectionString: c.BLOB_STORAGE_CONNECTION_STRING, endpoint: c.BLOB_STORAGE_ACCOUNT_URL });

/** Service Bus: a connection string, or the namespace host ({namespace}.servicebus.windows.net). */
export const serviceBusAuth = (c: AzureServiceSettings): AzureAuth => {
  const a = selectAzureAuth({ connectionString: c.SERVICE_BUS_CONNECTION_STRING, endpoint: c.SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE });
  // The SDK wants the bare host; accept the sb://host/ form the portal also shows.
  return a.kind === 'identity' ? { kind: 'identity', endpoint: a.endpoint.replace(/^sb:\/\//i, '').replace(/\/+$/, '') } : a;
};

/** Web PubSub: a connection string, or the endpoint (https://{name}.webpubsub.azure.com). */
export const webPubSubAuth = (c: AzureServiceSettings): AzureAuth =>
  selectAzureAuth({ connectionString: c.WEB_PUBSUB_CONNECTION_STRING, endpoint: c.WEB_PUBSUB_ENDPOINT });

/**
 * Azure OpenAI: endpoint + key, or endpoint alone (role "Cognitive Services OpenAI User"). With
 * 'identity', build the client with `azureADTokenProvider: getBearerTokenProvider(getAzureCredential(),
 * AZURE_OPENAI_SCOPE)` from @azure/identity instead of `apiKey`.
 */
export const openAiAuth = (c: AzureServiceSettings): AzureAuth => selectAzureAuth({ endpoint: c.AZURE_OPENAI_ENDPOINT, key: c.AZURE_OPENAI_KEY });

/** The token scope Azure OpenAI (Cognitive Services) accepts. */
export const AZURE_OPENAI_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** Whether a service can be reached at all with these settings (health checks, production rules). */
export const isConfigured = (a: AzureAuth): boolean => a.kind !== 'none';
