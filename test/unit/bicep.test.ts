/**
 * What can be checked in bicep/ without the Bicep CLI (it cannot be installed here; CI with a
 * subscription compiles it: .github/workflows/infra.yml). Everything is derived from the code's
 * own declarations, so a queue, container or required setting added to the code without its
 * Bicep fails here.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTAINERS } from '../../src/shared/adapters/cosmos';
import { ConfigError, configSchema, loadConfig } from '../../src/shared/config';
import { QUEUE_PROPERTIES } from '../../src/shared/ports';
import { METRIC } from '../../src/shared/metrics';
import { blobAuth, cosmosAuth, openAiAuth, serviceBusAuth, webPubSubAuth } from '../../src/shared/core/azure-auth';

const bicepDir = join(__dirname, '..', '..', 'bicep');
function bicepFiles(dir = bicepDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bicepFiles(join(dir, e.name)) : /\.bicep(param)?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}
const read = (rel: string) => readFileSync(join(bicepDir, rel), 'utf8');

/** The Functions host's own settings: not part of the EVA config schema. */
const HOST_SETTINGS = new Set(['AzureWebJobsStorage__accountName', 'FUNCTIONS_EXTENSION_VERSION', 'FUNCTIONS_WORKER_RUNTIME']);
/** Identity-based trigger connections: `{connection}__fullyQualifiedNamespace`, read by the host. */
const isHostConnection = (n: string) => /^[A-Z_]+__fullyQualifiedNamespace$/.test(n);

/** The `connection:` setting every queue trigger in src/functions names. */
function triggerConnections(): Set<string> {
  const dir = join(__dirname, '..', '..', 'src', 'functions');
  const names = readdirSync(dir).flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/connection: '([A-Za-z0-9_]+)'/g)].map((m) => m[1] ?? ''));
  return new Set(names);
}

function appSettings(): Map<string, string | undefined> {
  const m = new Map<string, string | undefined>();
  for (const x of read('modules/functionapp.bicep').matchAll(/\{ name: '([A-Za-z0-9_]+)', value: ('([^']*)'|[^}]+) \}/g)) {
    m.set(x[1] ?? '', x[3]); // undefined = an expression (a Key Vault reference or an output)
  }
  return m;
}

describe('bicep/ matches the code', () => {
  it('has main.bicep, a module per concern, both parameter files and azure.yaml', () => {
    const files = bicepFiles().map((f) => f.slice(bicepDir.length + 1));
    for (const f of ['main.bicep', 'environments/dev.bicepparam', 'environments/prod.bicepparam']) expect(files).toContain(f);
    for (const m of [
      'functionapp',
      'cosmos',
      'storage',
      'redis',
      'servicebus',
      'webpubsub',
      'openai',
      'keyvault',
      'monitoring',
      'roles',
      'alerts',
      'dashboard',
    ])
      expect(read('main.bicep')).toContain(`'modules/${m}.bicep'`);
    const azd = readFileSync(join(bicepDir, '..', 'azure.yaml'), 'utf8');
    expect(azd).toMatch(/path: bicep/);
    expect(azd).toMatch(/language: ts/);
    expect(azd).toMatch(/host: function/);
  });

  it('the Function App sets every setting production requires, and only names the schema knows', () => {
    const settings = appSettings();
    expect(settings.size).toBeGreaterThan(10);
    const known = new Set(Object.keys(configSchema.shape));
    expect([...settings.keys()].filter((n) => !known.has(n) && !HOST_SETTINGS.has(n) && !isHostConnection(n))).toEqual([]);
    // What production refuses to start without, as the schema itself says it.
    let required: string[] = [];
    try {
      loadConfig({ ENVIRONMENT: 'production' });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      required = e.problems.filter((p) => p.includes('is required')).map((p) => p.split(':')[0] ?? '');
    }
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((n) => !settings.has(n))).toEqual([]);
    // The app settings, with a stand-in for each Key Vault reference or output, load in production.
    // URL-valued outputs get a URL stand-in (the schema checks their form).
    const standIn = (k: string) =>
      /_(URL|ENDPOINT)$/.test(k) ? `https://${k.toLowerCase().replace(/_/g, '-')}.example.net/` : `StandIn${k.replace(/_/g, '')}0123456789abcdefghij`;
    const env = Object.fromEntries([...settings].map(([k, v]) => [k, v ?? standIn(k)]));
    expect(loadConfig({ ...env, ENVIRONMENT: 'production' }).ENVIRONMENT).toBe('production');
    // Secrets are Key Vault references, never values.
    for (const s of ['JWT_SECRET_KEY', 'API_KEY_SALT', 'REDIS_PASSWORD'])
      expect(read('modules/functionapp.bicep')).toMatch(new RegExp(`name: '${s}', value: kv\\(`));
  });

  it('Cosmos, Blob, Service Bus, Web PubSub and OpenAI are reached through the identity (endpoints, no keys)', () => {
    const settings = appSettings();
    const env = Object.fromEntries([...settings].map(([k, v]) => [k, v ?? `https://${k.toLowerCase()}.example.net`]));
    // The code's own selection, fed the app settings, picks the identity for every one of them.
    for (const select of [cosmosAuth, blobAuth, serviceBusAuth, webPubSubAuth, openAiAuth]) expect(select(env).kind, select.name).toBe('identity');
    for (const key of ['COSMOS_DB_KEY', 'BLOB_STORAGE_CONNECTION_STRING', 'SERVICE_BUS_CONNECTION_STRING', 'WEB_PUBSUB_CONNECTION_STRING', 'AZURE_OPENAI_KEY'])
      expect(settings.has(key), key).toBe(false);
    // Every queue trigger's connection resolves through the identity in the Functions host.
    const connections = triggerConnections();
    expect(connections.size).toBeGreaterThan(0);
    for (const c of connections) expect(settings.has(`${c}__fullyQualifiedNamespace`), c).toBe(true);
    // No key of theirs is kept in Key Vault, and local (key) auth is off unless allowKeyAccess says otherwise.
    const kv = read('modules/keyvault.bicep');
    expect(kv).not.toMatch(/CONNECTION-STRING|AccountKey|sbRule|wps\.listKeys/);
    for (const m of ['cosmos', 'servicebus', 'webpubsub', 'openai']) expect(read(`modules/${m}.bicep`), m).toMatch(/disableLocalAuth: !allowKeyAccess/);
    expect(read('main.bicep')).toMatch(/param allowKeyAccess bool = false/);
    // The roles the identity needs for them (ids checked below).
    const roles = read('modules/roles.bicep');
    for (const r of [
      'cosmosDataContributor',
      'storageBlobDataContributor',
      'serviceBusDataSender',
      'serviceBusDataReceiver',
      'webPubSubServiceOwner',
      'cognitiveServicesOpenAiUser',
    ])
      expect(roles).toMatch(new RegExp(`roleDefinitionId: .*\\b${r}\\b`));
  });

  it('every Cosmos container the code declares exists with its partition key', () => {
    const bicep = new Map([...read('modules/cosmos.bicep').matchAll(/\{ name: '(\w+)', partitionKey: '([^']+)' \}/g)].map((m) => [m[1], m[2]]));
    expect(Object.fromEntries(bicep)).toEqual(Object.fromEntries(Object.entries(CONTAINERS).map(([k, v]) => [k, v.partitionKey])));
  });

  it('every queue the code declares exists with its lock, max delivery count, duplicate detection and dead-lettering', () => {
    const text = read('modules/servicebus.bicep');
    const iso = (ms: number) => (ms % 60_000 === 0 ? `PT${ms / 60_000}M` : `PT${ms / 1000}S`);
    const bicep = [...text.matchAll(/\{ name: '([\w-]+)', lockDuration: '(\w+)', maxDeliveryCount: (\d+), duplicateDetectionWindow: '(\w+)' \}/g)].map((m) => ({
      name: m[1],
      lock: m[2],
      max: Number(m[3]),
      dup: m[4],
    }));
    const code = Object.values(QUEUE_PROPERTIES).map((q) => ({
      name: q.name,
      lock: iso(q.lockDurationMs),
      max: q.maxDeliveryCount,
      dup: iso(q.duplicateDetectionWindowMs),
    }));
    expect(bicep.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(code.sort((a, b) => a.name.localeCompare(b.name)));
    expect(text).toContain('requiresDuplicateDetection: true');
    expect(text).toContain('deadLetteringOnMessageExpiration: true');
  });

  it('role assignments use the documented built-in role definition ids', () => {
    // https://learn.microsoft.com/azure/role-based-access-control/built-in-roles and Cosmos DB's data-plane built-in roles.
    const BUILT_IN: Record<string, string> = {
      storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
      storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
      serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
      webPubSubServiceOwner: '12cf5a90-567b-43ae-8102-96cf46c7d9b4',
      keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
      cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd',
      cosmosDataContributor: '00000000-0000-0000-0000-000000000002',
    };
    const text = read('modules/roles.bicep');
    const declared = Object.fromEntries([...text.matchAll(/^var (\w+) = '([0-9a-f-]{36})'/gm)].map((m) => [m[1], m[2]]));
    expect(declared).toEqual(BUILT_IN);
    for (const name of Object.keys(BUILT_IN)) expect(text.split(name).length - 1).toBeGreaterThanOrEqual(3); // declared, named, assigned
  });

  it('has the alerts ops asked for, on the signals the code emits', () => {
    const text = read('modules/alerts.bicep');
    const resources = text.split(/\nresource /).slice(1);
    const rule = (name: string) => {
      const r = resources.find((x) => x.includes(`name: '\${prefix}-${name}'`));
      expect(r, name).toBeDefined();
      return r ?? '';
    };
    const fiveXx = rule('5xx');
    // More than 10 a minute averaged over 5 minutes, evaluated every minute.
    expect(fiveXx).toContain("evaluationFrequency: 'PT1M'");
    expect(fiveXx).toContain("windowSize: 'PT5M'");
    expect(fiveXx).toMatch(/toint\(resultCode\) >= 500 \| summarize perMinute = count\(\) \/ 5\.0/);
    expect(fiveXx).toMatch(/operator: 'GreaterThan'\s+threshold: 10\b/);
    const slow = rule('response-time');
    expect(slow).toMatch(/metricName: 'requests\/duration', timeAggregation: 'Average', operator: 'GreaterThan', threshold: 3000 \}/);
    expect(slow).toContain("evaluationFrequency: 'PT1M'");
    expect(rule('dead-letters')).toMatch(/metricName: 'DeadletteredMessages', timeAggregation: 'Maximum', operator: 'GreaterThan', threshold: 0 \}/);
    const exhausted = rule('webhooks-exhausted');
    expect(exhausted).toContain(`name == "${METRIC.webhookDelivery}" and tostring(customDimensions.outcome) == "exhausted"`);
    expect(exhausted).toMatch(/operator: 'GreaterThan'\s+threshold: 0\b/);
    // The code emits that outcome under that name.
    const deliver = readFileSync(join(bicepDir, '..', 'src', 'shared', 'webhooks', 'deliver.ts'), 'utf8');
    expect(deliver).toMatch(/metrics\(\)\.count\(METRIC\.webhookDelivery, \{ outcome: .*'exhausted'/);
    // Every alert notifies the action group parameter.
    for (const r of resources) expect(r).toMatch(/actions: (actions|\{ actionGroups: \[actionGroupId\] \})\n/);
    expect(text).toContain('var actions = [{ actionGroupId: actionGroupId }]');
    expect(read('main.bicep')).toMatch(/param actionGroupId string/);
  });

  it('has the dashboard: response time p50/p95/p99, request rate, failures, queue depth, webhook success rate', () => {
    const text = read('modules/dashboard.bicep');
    expect(text).toMatch(/percentile\(duration,50\).*percentile\(duration,95\).*percentile\(duration,99\)/);
    expect(text).toMatch(/title: 'Request rate/);
    expect(text).toMatch(/title: 'Failures', kql: 'requests \| where success == false/);
    expect(text).toMatch(/name: 'ActiveMessages'/);
    expect(text).toMatch(/name: 'DeadletteredMessages'/);
    expect(text).toMatch(new RegExp(`title: 'Webhook success rate.*name == "${METRIC.webhookDelivery.replace('.', '\\.')}".*outcome == "success"`));
    // Every custom metric a tile names is one the code emits.
    const named = [...text.matchAll(/customMetrics \| where name == "([^"]+)"/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const n of named) expect(Object.values(METRIC) as string[]).toContain(n);
  });

  it('no secret literal in any Bicep file', () => {
    for (const f of bicepFiles()) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(/(AccountKey|SharedAccessKey|password)\s*=\s*[A-Za-z0-9+/]{16,}/i);
      // A long key-like value (letters and digits mixed; paths such as the dashboard's part types have '/').
      expect(text, f).not.toMatch(/['"](?=[A-Za-z+]*\d)[A-Za-z0-9+]{40,}={0,2}['"]/);
      // A @secure() parameter never carries a default.
      expect(text, f).not.toMatch(/@secure\(\)\s*param \w+ string\s*=/);
    }
    for (const p of ['environments/dev.bicepparam', 'environments/prod.bicepparam']) expect(read(p)).toMatch(/param jwtSecretKey = readEnvironmentVariable\('/);
  });
});
