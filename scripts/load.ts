/**
 * Runs the Artillery load tests in load-tests/ (their own package: artillery is ~600 MB).
 *
 *   npm run load:local                  local host + emulators + real Redis, 60 s at 100 arrivals/s
 *   npm run load:smoke                  the same host, a few seconds at a low rate (CI)
 *   npm run load -- --target <url>      the production profile against a deployed API
 *                                       (EVA_LOAD_API_KEY: a pro tenant's key; never run here)
 *
 * Locally it starts `node dist/local/start.js` (what `npm start` runs) on a free loopback port, the
 * emulators in a process of their own beside it, with
 * REDIS_HOST=127.0.0.1, seeds a `pro` tenant with a scoped key, runs the HTTP mix and then (when the
 * host serves real-time negotiate) the WebSocket scenario (side by side with EVA_LOAD_TOGETHER=1), writes each run's JSON and
 * an HTML latency chart under load-tests/results/ (git-ignored), prints the figures against the
 * production checklist's targets, and exits non-zero when Artillery's `ensure` thresholds fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiKey } from '../src/shared/core/api-key';
import { freePort } from '../local/free-port';
import { projectRoot } from '../local/host';
import { forkEmulators, stopChild } from '../local/emulators-process';
import { latencyChartHtml, summarise, type ArtilleryReport, type RunSummary } from './load-report';

type Profile = 'local' | 'smoke' | 'production';

const root = projectRoot();
const loadDir = join(root, 'load-tests');
const artilleryBin = join(loadDir, 'node_modules', '.bin', 'artillery');

/** Where Artillery is told to keep quiet: no telemetry (it spends ~12 s after each run on it otherwise). */
const artilleryEnv = { ARTILLERY_DISABLE_TELEMETRY: 'true', PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };

function parseArgs(argv: string[]): { profile: Profile; target?: string } {
  let profile: Profile = 'local';
  let target: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--smoke') profile = 'smoke';
    else if (a === '--target') {
      target = argv[i + 1];
      i += 1;
      profile = 'production';
    } else throw new Error(`unknown argument ${a ?? ''} (use --smoke or --target <url>)`);
  }
  if (profile === 'production' && !target) throw new Error('--target needs a URL');
  return { profile, target };
}

function run(cmd: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** load-tests/ has its own install; done here on first use so no hand-run step is needed. */
async function ensureArtillery(): Promise<void> {
  if (existsSync(artilleryBin)) return;
  process.stdout.write('== installing load-tests/ (artillery 2.0.21, once)\n');
  const code = await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: loadDir, env: artilleryEnv });
  if (code !== 0) throw new Error('npm ci in load-tests/ failed');
}

interface LocalApi {
  origin: string;
  stop(): Promise<void>;
}

/** Ready = serving, with the bootstrap key in place (the host bootstraps after it starts listening). */
async function waitUntilReady(origin: string, bootstrapKey: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the local host exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${origin}/api/v1/auth/whoami`, { headers: { 'X-API-Key': bootstrapKey } });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the local host was not ready within a minute');
}

/**
 * The local host as `npm start` runs it, on a free port, with real Redis and a fresh pro tenant;
 * the emulators run beside it in a process of their own. EVA_LOAD_CPU_PROF=<dir> writes the CPU
 * profiles of both there (the emulators' under emulators/; open them in Chrome DevTools).
 */
async function startLocalApi(bootstrapKey: string, tenantId: string): Promise<LocalApi> {
  // The emulators in a process of their own: they are other machines in Azure.
  const profileDir = process.env.EVA_LOAD_CPU_PROF;
  const emulators = await forkEmulators({ cpuProfileDir: profileDir ? join(profileDir, 'emulators') : undefined });
  const port = await freePort();
  const child = spawn(process.execPath, [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), join(root, 'dist', 'local', 'start.js')], {
    cwd: root,
    env: {
      ...process.env,
      ...emulators.env,
      // The `debug` package's DEBUG (for Artillery) is not the API's DEBUG setting.
      DEBUG: undefined,
      PORT: String(port),
      REDIS_HOST: process.env.REDIS_HOST ?? '127.0.0.1',
      BOOTSTRAP_API_KEY: bootstrapKey,
      BOOTSTRAP_TENANT_ID: tenantId,
      BOOTSTRAP_TIER: 'pro',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await emulators.stop();
  };
  try {
    await waitUntilReady(origin, bootstrapKey, child, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin, stop };
}

/** A key with the scopes the scenarios use (not the bootstrap admin key), exchanged for JWTs by the processor. */
async function createLoadKey(origin: string, bootstrapKey: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/api-keys`, {
    method: 'POST',
    headers: { 'X-API-Key': bootstrapKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'load test',
      scopes: ['spaces:read', 'spaces:write', 'documents:read', 'documents:write', 'queries:execute'],
    }),
  });
  const body = (await res.json()) as { data?: { key?: string } };
  if (!res.ok || !body.data?.key) throw new Error(`creating the load-test key answered ${res.status}`);
  return body.data.key;
}

/** A space with one processed document, for the get, upload and question scenarios. */
async function seedSpace(origin: string, apiKey: string): Promise<string> {
  const headers = { 'X-API-Key': apiKey };
  const space = await fetch(`${origin}/api/v1/spaces`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'load-test seed space' }),
  });
  const spaceBody = (await space.json()) as { data?: { id?: string } };
  const spaceId = spaceBody.data?.id;
  if (!space.ok || !spaceId) throw new Error(`creating the seed space answered ${space.status}`);
  const text = 'Records about invoices, onboarding, retention policy, security review and travel expenses are kept for seven years.\n';
  const doc = await fetch(`${origin}/api/v1/spaces/${spaceId}/documents?filename=seed.md`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'text/markdown' },
    body: text,
  });
  const docBody = (await doc.json()) as { data?: { id?: string } };
  if (!doc.ok || !docBody.data?.id) throw new Error(`uploading the seed document answered ${doc.status}`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${origin}/api/v1/spaces/${spaceId}/documents/${docBody.data.id}`, { headers });
    const body = (await res.json()) as { data?: { status?: string } };
    if (body.data?.status === 'processed') return spaceId;
    if (body.data?.status === 'failed') throw new Error('the seed document failed processing');
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the seed document was not processed within 30 s');
}

async function servesRealtime(origin: string, apiKey: string): Promise<boolean> {
  const res = await fetch(`${origin}/api/v1/realtime/negotiate`, { headers: { 'X-API-Key': apiKey } });
  await res.body?.cancel();
  return res.status !== 404;
}

async function runScenario(name: string, profile: Profile, outDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number; summary?: RunSummary }> {
  const output = join(outDir, `${name}.json`);
  const code = await run(artilleryBin, ['run', '-e', profile, '--output', output, join('scenarios', `${name}.yml`)], {
    cwd: loadDir,
    env: { ...artilleryEnv, ...env },
  });
  if (!existsSync(output)) return { code: code || 1 };
  const report = JSON.parse(readFileSync(output, 'utf8')) as ArtilleryReport;
  writeFileSync(join(outDir, `${name}.html`), latencyChartHtml(name, report));
  return { code, summary: summarise(report) };
}

function printSummary(name: string, s: RunSummary): void {
  const ms = (v: number | undefined): string => (v === undefined ? '—' : `${Math.round(v)} ms`);
  const lines = [
    `== ${name}: ${s.requests} requests, ${s.vusersCreated} virtual users (${s.vusersFailed} failed)`,
    `   p50 ${ms(s.p50)} (target < 200 ms)   p95 ${ms(s.p95)} (< 1 s)   p99 ${ms(s.p99)} (< 2 s)`,
    `   throughput ${s.requestRate.toFixed(1)} req/s (target > 100)   errors ${(s.errorRate * 100).toFixed(3)}% (target < 0.1%)`,
  ];
  if (s.peakConnections !== undefined) lines.push(`   WebSocket connections held at once: ${s.peakConnections} (target > 1,000)`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(): Promise<void> {
  const { profile, target } = parseArgs(process.argv.slice(2));
  await ensureArtillery();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = join(loadDir, 'results', `${stamp}-${profile}`);
  mkdirSync(outDir, { recursive: true });

  let api: LocalApi | undefined;
  let apiKey = process.env.EVA_LOAD_API_KEY;
  try {
    if (profile === 'production') {
      if (!apiKey) throw new Error('EVA_LOAD_API_KEY must hold a pro tenant key for --target runs');
    } else {
      const bootstrapKey = generateApiKey();
      api = await startLocalApi(bootstrapKey, `load-${randomBytes(4).toString('hex')}`);
      apiKey = await createLoadKey(api.origin, bootstrapKey);
    }
    const origin = (target ?? api?.origin ?? '').replace(/\/+$/, '');
    const env = { EVA_LOAD_TARGET: origin, EVA_LOAD_API_KEY: apiKey, EVA_LOAD_SPACE_ID: await seedSpace(origin, apiKey) };
    const scenarios = ['api-mix'];
    if (await servesRealtime(origin, apiKey)) scenarios.push('realtime');
    else process.stdout.write('== real-time negotiate is not served: the WebSocket scenario is left out\n');

    // One after the other by default: on a 2-core machine the two Artillery processes, the API and
    // the stand-ins side by side are more than the cores (docs/PERFORMANCE.md has the figures of
    // both ways); realtime.yml makes changes of its own, so events flow while its connections are
    // held. EVA_LOAD_TOGETHER=1 runs them side by side, as a many-core machine can.
    const one = async (s: string) => ({ name: s, ...(await runScenario(s, profile, outDir, env)) });
    const results: Array<Awaited<ReturnType<typeof one>>> = [];
    if (process.env.EVA_LOAD_TOGETHER === '1') results.push(...(await Promise.all(scenarios.map(one))));
    else for (const s of scenarios) results.push(await one(s));
    for (const r of results) if (r.summary) printSummary(r.name, r.summary);
    process.stdout.write(`== results: ${outDir}\n`);
    const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
    if (failed.length > 0) {
      process.stdout.write(`== thresholds failed: ${failed.join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await api?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
