/**
 * npm run bench:graphql — through the local host with the embedded Cosmos emulator (in a child
 * process, as Cosmos is another machine in Azure), for a tenant with 100 spaces:
 *   GraphQL  POST /api/graphql  query { spaces(first: 20) { nodes { id name documentCount } } }
 *   REST     GET  /api/v1/spaces?limit=20  (the same page)
 * BENCH_ROUNDS (default 3) rounds, each REST then GraphQL back to back under the same load
 * (autocannon in a child process, BENCH_CONNECTIONS default 50, BENCH_SECONDS default 10), judged
 * on the median round's throughput ratio. Target: GraphQL >= 70% of REST. Loopback only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { installFunctionsCore } from '../local/functions-core';
import { startEmulators } from '../local/emulators';
import { projectRoot, startLocalHost } from '../local/host';
import { resetConfig } from '../src/shared/config';
import { createTenant } from '../src/shared/identity/tenants';
import { resetServices } from '../src/shared/services';
import { createSpace } from '../src/shared/spaces/spaces';
import { CONNECTIONS, figuresRow, load, median, runBench, SECONDS, type LoadFigures } from './bench-lib';

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const SPACES = 100;
const QUERY = 'query { spaces(first: 20) { nodes { id name documentCount } } }';

/** Child mode: the Cosmos emulator, its settings sent to the parent; stops when the parent goes. */
async function serveCosmos(): Promise<void> {
  const emulators = await startEmulators({ cosmos: true, blob: false });
  process.send?.({ COSMOS_DB_ENDPOINT: process.env.COSMOS_DB_ENDPOINT, COSMOS_DB_KEY: process.env.COSMOS_DB_KEY });
  const stop = () => void emulators.stop().finally(() => process.exit(0));
  process.on('message', stop);
  process.on('disconnect', stop);
}

function startCosmosProcess(): Promise<{ child: ChildProcess; settings: Record<string, string> }> {
  const child = fork(__filename, ['--cosmos'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
  return new Promise((resolve, reject) => {
    child.once('message', (settings) => resolve({ child, settings: settings as Record<string, string> }));
    child.once('exit', (code) => reject(new Error(`cosmos emulator process exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL = 'warn';
  process.env.RATE_LIMIT_ENABLED = 'false';
  delete process.env.COSMOS_DB_ENDPOINT;
  const cosmos = await startCosmosProcess();
  Object.assign(process.env, cosmos.settings);
  resetConfig();
  installFunctionsCore();
  await resetServices();
  const root = projectRoot();
  const host = await startLocalHost({
    port: 0,
    startTimers: false,
    functionFiles: ['spaces-list', 'graphql'].map((f) => join(root, 'dist', 'src', 'functions', `${f}.js`)),
  });
  try {
    const { tenant, apiKey } = await createTenant({ name: 'bench', tier: 'enterprise' }, 'bench');
    for (let i = 0; i < SPACES; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => createSpace(tenant.id, { name: `Space ${String(i + j).padStart(3, '0')}` })));
    }
    const headers = { 'x-api-key': apiKey.key, 'content-type': 'application/json' };
    const restUrl = `${host.url}/api/v1/spaces?limit=20`;
    const gqlUrl = `${host.url}/api/graphql`;
    const gqlLoad = { headers, method: 'POST', body: JSON.stringify({ query: QUERY }) };

    // The two answer the same page.
    const rest = (await (await fetch(restUrl, { headers })).json()) as { data: Array<{ id: string; document_count: number }> };
    const gql = (await (await fetch(gqlUrl, { method: 'POST', headers, body: gqlLoad.body })).json()) as { data: { spaces: { nodes: Array<{ id: string }> } } };
    if (JSON.stringify(rest.data.map((s) => s.id)) !== JSON.stringify(gql.data.spaces.nodes.map((s) => s.id)))
      throw new Error('GraphQL and REST answered different pages');

    await load(restUrl, { headers, connections: 10, seconds: 2 });
    await load(gqlUrl, { ...gqlLoad, connections: 10, seconds: 2 });

    console.log(`bench:graphql — ${SPACES} spaces, page of 20, ${CONNECTIONS} connections, ${SECONDS} s each, ${ROUNDS} rounds of REST then GraphQL, loopback`);
    console.log(`  GraphQL: ${QUERY}`);
    const rounds: { rest: LoadFigures; gql: LoadFigures; ratio: number }[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const r = await load(restUrl, { headers });
      const g = await load(gqlUrl, gqlLoad);
      rounds.push({ rest: r, gql: g, ratio: g.rps / r.rps });
      console.log(`round ${i}`);
      console.log(figuresRow('  REST GET /v1/spaces', r));
      console.log(figuresRow('  GraphQL spaces', g));
      console.log(`  ratio GraphQL/REST: ${((g.rps / r.rps) * 100).toFixed(1)}%`);
    }
    const ratio = median(rounds.map((r) => r.ratio));
    const clean = rounds.every((r) => r.rest.errors + r.rest.non2xx + r.gql.errors + r.gql.non2xx === 0);
    console.log(
      `median of ${ROUNDS} rounds: GraphQL ${median(rounds.map((r) => r.gql.rps)).toFixed(0)} req/s (p50 ${median(rounds.map((r) => r.gql.p50))} ms, p99 ${median(rounds.map((r) => r.gql.p99))} ms), REST ${median(rounds.map((r) => r.rest.rps)).toFixed(0)} req/s (p50 ${median(rounds.map((r) => r.rest.p50))} ms, p99 ${median(rounds.map((r) => r.rest.p99))} ms), ratio ${(ratio * 100).toFixed(1)}% (target >= 70%)`,
    );
    const ok = ratio >= 0.7 && clean;
    console.log(ok ? 'targets: MET' : `targets: NOT MET${clean ? '' : ' (errors or non-2xx answers)'}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await host.stop();
    await resetServices();
    cosmos.child.send('stop');
  }
}

if (process.argv[2] === '--cosmos') {
  serveCosmos().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else runBench(main);
