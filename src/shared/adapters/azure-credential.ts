/**
 * The process's Azure credential for identity-based access (src/shared/core/azure-auth.ts decides
 * when): one DefaultAzureCredential, built on first use and shared by every adapter so tokens are
 * cached once. In Azure it resolves to the Function App's managed identity (AZURE_CLIENT_ID picks
 * a user-assigned one); on a workstation to `az login` or the AZURE_* environment variables.
 * Nothing here runs unless an adapter selected 'identity', so local runs and tests never probe
 * the instance metadata endpoint.
 */
import { DefaultAzureCredential, getBearerTokenProvider, type TokenCredential } from '@azure/identity';
import { registerReset } from '../services';

let credential: TokenCredential | undefined;

export function getAzureCredential(): TokenCredential {
  credential ??= new DefaultAzureCredential();
  return credential;
}

/** A bearer-token callback for clients that take one (the `openai` client's `azureADTokenProvider`). */
export function azureTokenProvider(scope: string): () => Promise<string> {
  return getBearerTokenProvider(getAzureCredential(), scope);
}

/** Tests replace the credential (e.g. with a fake that serves tokens from a loopback issuer). */
export function setAzureCredential(c: TokenCredential | undefined): void {
  credential = c;
}

registerReset(() => {
  credential = undefined;
});
