import { stat } from 'node:fs/promises';
import { parsePinnedKey } from './verifier/bundle-signature';
import { verifyBundle } from './verifier/bundle-verifier';
import { formatReport } from './verifier/report-text';

const USAGE = `Usage: npm run verify -- <bundle.zip> [--public-key <key>] [--json]

Checks an auditor bundle offline, as docs/EVIDENCE_FORMAT.md ("Verifying a bundle") specifies: the manifest
and its Ed25519 signature, every file's size, lines and SHA-256, each evidence row's fingerprint, the runs
and the audit chain. Needs no database, network or configuration.

  --public-key <key>  the organization's signing key to pin: its base64url public key (32 bytes) or its
                      64-hex SHA-256 fingerprint. Without it the bundle is checked against the key it names
                      itself, which proves it intact but not who made it.
  --json              print the report as JSON instead of text
  --help              print this help

Exit status: 0 the bundle holds, 1 it does not (each problem named by file and line), 2 misuse.
`;

class UsageError extends Error {}

interface Arguments {
  readonly bundle: string;
  readonly publicKey?: string;
  readonly json: boolean;
}

function parse(argv: readonly string[]): Arguments | 'help' {
  let bundle: string | undefined;
  let publicKey: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') json = true;
    else if (arg === '--public-key') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError('--public-key needs a value');
      if (parsePinnedKey(value) === undefined)
        throw new UsageError('--public-key must be a base64url 32-byte Ed25519 key or a 64-hex fingerprint');
      publicKey = value;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (bundle !== undefined) throw new UsageError('give one bundle file');
    else bundle = arg;
  }
  if (bundle === undefined) throw new UsageError('no bundle file given');
  return { bundle, json, ...(publicKey === undefined ? {} : { publicKey }) };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parse(argv);
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const found = await stat(args.bundle).catch(() => undefined);
  if (found === undefined || !found.isFile()) throw new UsageError(`${args.bundle} is not a file`);
  const report = await verifyBundle(
    args.bundle,
    args.publicKey === undefined ? {} : { publicKey: args.publicKey },
  );
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`verify: ${error.message} (npm run verify -- --help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
