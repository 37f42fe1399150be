// `npm audit --omit=dev --audit-level=high`, tolerant of an unreachable audit endpoint: when the
// registry's advisory service cannot be reached (offline CI, a proxy that refuses it), this says
// so plainly and does not fail on that alone. High or critical advisories in production
// dependencies fail it. Part of `npm run security`.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], { encoding: 'utf8', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout || '{}');
} catch {
  report = {};
}
const counts = report?.metadata?.vulnerabilities;
if (!counts) {
  const why = report?.message ?? report?.error?.summary ?? (run.error ? String(run.error.message) : '') ?? '';
  const detail = (run.stderr || '').split('\n').find((l) => /audit|ENOTFOUND|ECONN|EAI_AGAIN|ETIMEDOUT|40\d|50\d/i.test(l)) ?? '';
  console.log('== npm audit: NOT RUN: the audit endpoint could not be reached.');
  console.log(`   ${String(why || detail || 'no report').trim()}`);
  console.log('   Not failing on that alone; run `npm audit --omit=dev` where the registry answers.');
  process.exit(0);
}
const high = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(
  `== npm audit (production dependencies): ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
if (high > 0) {
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    if (v.severity === 'high' || v.severity === 'critical') console.log(`   ${v.severity}: ${name} (${v.range ?? ''})`);
  }
  process.exit(1);
}
