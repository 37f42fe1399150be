/**
 * npm run keys -- create --tenant <id> [--tier <tier>] [--scopes a,b] [--name <name>] [--expires-days <n>]
 * npm run keys -- rotate <tenant_id> [grace_period_days]
 *
 * Works against the Cosmos account in COSMOS_DB_ENDPOINT (Azure, or any emulator; the emulator's
 * public key is used for loopback http:// endpoints). Without it, a running `npm start`'s emulator
 * on 127.0.0.1:8081 (COSMOS_EMULATOR_PORT) is used; failing that, an in-memory emulator in this
 * process: useful to try the command, not to keep the key.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { getConfig, resetConfig } from '../src/shared/config';
import { SCOPES, type Scope } from '../src/shared/core/principal';
import { getEventPublisher, recordEvent } from '../src/shared/events/publisher';
import { createApiKey } from '../src/shared/identity/api-keys';
import { rotateTenantKeys } from '../src/shared/identity/rotation';
import { tenantTier } from '../src/shared/identity/schemas';
import { readTenant, upsertTenant } from '../src/shared/identity/tenant-store';
import { TENANT_ID_PATTERN } from '../src/shared/identity/tenants';
import type { EventPublisher } from '../src/shared/ports';
import { resetServices } from '../src/shared/services';
import { COSMOS_EMULATOR_KEY } from '../local/cosmos-emulator';
import { startEmulators, type RunningEmulators } from '../local/emulators';
import { LOCAL_COSMOS_PORT } from '../local/local-ports';

const LOCAL_COSMOS_ENDPOINT = `http://127.0.0.1:${LOCAL_COSMOS_PORT}`;

/** True when a running `npm start` serves its Cosmos emulator on the usual port (loopback only). */
async function localHostCosmosAnswers(): Promise<boolean> {
  try {
    const res = await fetch(`${LOCAL_COSMOS_ENDPOINT}/`, { signal: AbortSignal.timeout(1_000) });
    const body = (await res.json()) as { databaseAccountEndpoint?: unknown; writableLocations?: unknown };
    return res.ok && (body.databaseAccountEndpoint !== undefined || body.writableLocations !== undefined);
  } catch {
    return false;
  }
}

const USAGE = `Usage:
  npm run keys -- create --tenant <id> [--tier free|basic|pro|enterprise] [--scopes s1,s2] [--name <name>] [--expires-days <n>]
  npm run keys -- rotate <tenant_id> [grace_period_days]
Scopes: ${SCOPES.join(', ')} (default admin:all).`;

class UsageError extends Error {}

function parseScopes(text: string): Scope[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const r = z.array(z.enum(SCOPES)).min(1).safeParse(list);
  if (!r.success) throw new UsageError(`--scopes: each must be one of ${SCOPES.join(', ')}`);
  return [...new Set(r.data)];
}

function tenantIdArg(v: string | undefined, what: string): string {
  if (!v || !TENANT_ID_PATTERN.test(v)) throw new UsageError(`${what}: a tenant id (a-z, 0-9, _ and -) is required`);
  return v;
}

async function create(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      tier: { type: 'string' },
      scopes: { type: 'string', default: 'admin:all' },
      name: { type: 'string', default: 'CLI key' },
      'expires-days': { type: 'string' },
    },
    strict: true,
  });
  const tenantId = tenantIdArg(values.tenant, '--tenant');
  const tier = values.tier === undefined ? undefined : tenantTier.safeParse(values.tier);
  if (tier && !tier.success) throw new UsageError('--tier: one of free, basic, pro, enterprise');
  const scopes = parseScopes(values.scopes);
  let expiresAt: string | null = null;
  if (values['expires-days'] !== undefined) {
    const days = Number(values['expires-days']);
    if (!Number.isInteger(days) || days < 1 || days > 1830) throw new UsageError('--expires-days: a whole number from 1 to 1830');
    expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
  }

  const now = new Date().toISOString();
  const existing = await readTenant(tenantId);
  if (!existing || (tier && existing.tier !== tier.data)) {
    const { _etag: _, ...doc } = existing ?? { id: tenantId, name: tenantId, disabled: false, createdAt: now, tier: 'free' as const };
    await upsertTenant({ ...doc, tier: tier?.data ?? doc.tier, updatedAt: now });
    console.log(existing ? `Tenant ${tenantId}: tier set to ${tier?.data}` : `Tenant ${tenantId}: created (tier ${tier?.data ?? 'free'})`);
  }
  const { record, key } = await createApiKey({ tenantId, name: values.name, scopes, expiresAt, createdBy: 'cli' });
  console.log(`API key ${record.keyId} for tenant ${tenantId} (scopes ${record.scopes.join(', ')}; expires ${record.expiresAt ?? 'never'}):`);
  console.log(`  ${key}`);
  console.log('Shown only now; it is stored as a hash. Send it as the X-API-Key header.');
}

/** With Service Bus configured, publish; otherwise record in the outbox, which a running host's relay publishes. */
function cliPublisher(): EventPublisher {
  return getConfig().SERVICE_BUS_CONNECTION_STRING ? getEventPublisher() : { publish: recordEvent };
}

async function rotate(args: string[]): Promise<void> {
  const tenantId = tenantIdArg(args[0], 'rotate');
  const graceText = args[1];
  const grace = graceText === undefined ? getConfig().KEY_ROTATION_GRACE_DAYS : Number(graceText);
  if (!Number.isInteger(grace) || grace < 0 || grace > 90) throw new UsageError('grace_period_days: a whole number from 0 to 90');
  if (args.length > 2) throw new UsageError('rotate takes a tenant id and an optional grace period');
  if (!(await readTenant(tenantId))) throw new UsageError(`Tenant ${tenantId} does not exist`);
  const rotated = await rotateTenantKeys(tenantId, grace, cliPublisher());
  if (rotated.length === 0) {
    console.log(`Tenant ${tenantId} has no active keys to rotate.`);
    return;
  }
  console.log(`Rotated ${rotated.length} key(s) of tenant ${tenantId}; grace period ${grace} day(s).`);
  for (const r of rotated) {
    console.log(`  ${r.previous.keyId} (${r.previous.prefix}…) -> ${r.record.keyId}, scopes ${r.record.scopes.join(', ')}`);
    console.log(`    new key: ${r.key}`);
    console.log(`    old key works until ${r.previous.expiresAt ?? 'now'}`);
  }
  console.log('The new keys are shown only now.');
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'create' && command !== 'rotate') throw new UsageError(command ? `Unknown command ${command}` : 'A command is required');
  process.env.LOG_LEVEL ??= 'warn';
  let endpoint = process.env.COSMOS_DB_ENDPOINT;
  if (!endpoint && (await localHostCosmosAnswers())) {
    endpoint = process.env.COSMOS_DB_ENDPOINT = LOCAL_COSMOS_ENDPOINT;
    console.log(`Using the running \`npm start\`'s Cosmos emulator at ${endpoint}.`);
  }
  if (endpoint && !process.env.COSMOS_DB_KEY && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(endpoint)) {
    process.env.COSMOS_DB_KEY = COSMOS_EMULATOR_KEY;
  }
  let emulators: RunningEmulators | undefined;
  if (!endpoint) {
    emulators = await startEmulators({ blob: false });
    console.log('No COSMOS_DB_ENDPOINT and no running `npm start`: using an in-memory emulator in this process (the key is gone when it exits).');
  }
  resetConfig();
  try {
    if (command === 'create') await create(rest);
    else await rotate(rest);
  } finally {
    await resetServices();
    await emulators?.stop();
  }
}

main().catch((err: unknown) => {
  if (err instanceof UsageError || (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`keys: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
