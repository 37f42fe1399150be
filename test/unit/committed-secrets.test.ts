/**
 * No secret-looking value is committed: every file git tracks is scanned for account keys and
 * SAS keys in connection strings, EVA API keys outside the tests, private keys (PEM), signed JWTs,
 * cloud access key ids and long key-like literals assigned to secret-ish names. Allowed: the
 * publicly documented emulator keys (Azurite, Cosmos DB emulator) and <placeholders>. Part of the
 * suite and of `npm run security`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

/** Public, documented development keys of the local emulators (the same on every machine). */
const PUBLIC_EMULATOR_KEYS = new Set([
  // Azurite's devstoreaccount1 key (learn.microsoft.com, "Use Azurite for local Azure Storage development").
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  // The Azure Cosmos DB emulator's well-known key.
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==',
]);

interface Rule {
  name: string;
  pattern: RegExp;
  /** Paths where the rule does not apply (test fixtures make keys on purpose). */
  except?: RegExp;
}

const RULES: Rule[] = [
  { name: 'storage account key', pattern: /AccountKey=([A-Za-z0-9+/]{20,}={0,2})/g },
  { name: 'SAS / access key in a connection string', pattern: /(?:SharedAccessKey|AccessKey)=([A-Za-z0-9+/]{20,}={0,2})/g },
  { name: 'SAS signature', pattern: /[?&]sig=([A-Za-z0-9%+/]{30,})/g },
  { name: 'EVA API key', pattern: /(eva_sk_[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g, except: /^test\// },
  { name: 'private key (PEM)', pattern: /(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----)/g },
  { name: 'signed JWT', pattern: /(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{20,})/g, except: /^test\// },
  { name: 'cloud access key id', pattern: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/g },
  {
    name: 'key-like literal assigned to a secret name',
    pattern: /(?:key|secret|password|token|salt)["']?\s*[:=]\s*["']([A-Za-z0-9+/_-]{40,}={0,2})["']/gi,
    except: /^test\//,
  },
];

export interface Finding {
  file: string;
  line: number;
  rule: string;
}

/** Every finding in one file's text (pure; the self-test below feeds it samples). */
export function scanText(file: string, text: string): Finding[] {
  const out: Finding[] = [];
  for (const rule of RULES) {
    if (rule.except?.test(file)) continue;
    for (const m of text.matchAll(rule.pattern)) {
      const value = m[1] ?? '';
      if (PUBLIC_EMULATOR_KEYS.has(value)) continue;
      // Letters only (e.g. "AccountKey=placeholderplaceholder") is a placeholder, not a key; so is a
      // value that says what it is (the development defaults production refuses: src/shared/config.ts).
      if (rule.name !== 'private key (PEM)' && (!/\d/.test(value) || /change-me|placeholder|example/i.test(value))) continue;
      out.push({ file, line: text.slice(0, m.index).split('\n').length, rule: rule.name });
    }
  }
  return out;
}

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && f !== 'package-lock.json' && !/\.(png|jpe?g|gif|ico|pdf|docx|zip|woff2?)$/i.test(f));
}

describe('no secret is committed', () => {
  it('the scanner finds each kind of secret, and passes placeholders and the public emulator keys', () => {
    const b64 = randomBytes(48).toString('base64');
    const samples = [
      `DefaultEndpointsProtocol=https;AccountName=a;Account${'Key'}=${b64};EndpointSuffix=core.windows.net`,
      `Endpoint=sb://n.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccess${'Key'}=${b64}`,
      `const k = 'eva_sk_${randomBytes(32).toString('base64url')}';`,
      `-----BEGIN ${'PRIVATE'} KEY-----`,
      `apiSecret = "${randomBytes(32).toString('hex')}"`,
    ];
    for (const s of samples) expect(scanText('src/x.ts', s), s).toHaveLength(1);
    expect(scanText('test/x.ts', samples[2] ?? '')).toEqual([]);
    const fine = [
      'BLOB_STORAGE_CONNECTION_STRING=<connection string; prefer a Key Vault reference>',
      `AccountName=devstoreaccount1;Account${'Key'}=${[...PUBLIC_EMULATOR_KEYS][0]};`,
      'JWT_SECRET_KEY=<at least 32 random characters>',
      `Account${'Key'}=placeholderplaceholderplaceholder`,
      `const DEV_SALT = 'x'; salt: 'dev-only-salt-change-me-0123456789abcdef0123456789'`,
    ];
    for (const s of fine) expect(scanText('docs/x.md', s), s).toEqual([]);
  });

  it('no tracked file holds one', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((f) => {
      let text: string;
      try {
        text = readFileSync(join(root, f), 'utf8');
      } catch {
        return []; // listed but deleted in the work tree
      }
      return text.includes('\0') ? [] : scanText(f, text);
    });
    expect(findings).toEqual([]);
  });
});
