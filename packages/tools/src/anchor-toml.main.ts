// anchor-toml: writes a bank's stellar.toml from its service configs, or checks one.
// Exit 0 written/ok, 1 refused (every problem listed, nothing written), 2 bad usage.
import { parseArgs } from 'node:util';
import { runAnchorToml } from './stellar-toml/cli.js';

const USAGE = `Usage:
  anchor-toml --domain bank-a.test [--federation federation.cfg] [--compliance compliance.cfg]
              [--bridge bridge.cfg] [--info bank-info.toml] [--public-url https://bank-a.test]
              [--federation-url URL] [--auth-url URL] [--network-passphrase TEXT]
              [--org-name TEXT] [--org-url URL] [--org-email ADDRESS] [--dev] [--out stellar.toml]
  anchor-toml --check stellar.toml [--dev]

Generates the bank's SEP-1 stellar.toml: FEDERATION_SERVER and AUTH_SERVER behind nginx
(<public-url>/federation, <public-url>/compliance), SIGNING_KEY from the compliance signing
seed (COMPLIANCE_SIGNING_SEED or [keys] signing_seed), NETWORK_PASSPHRASE, ACCOUNTS and
[[CURRENCIES]] from the bridge config, [DOCUMENTATION] from --info and --org-* flags.
The result is linted before it is written; an invalid file is never written.
  --dev   allow development domains (*.test, localhost) and http URLs on them
  --out   file to write (default: standard output)
Secrets are read, never printed.`;

try {
  const { values } = parseArgs({
    options: {
      domain: { type: 'string' },
      federation: { type: 'string' },
      compliance: { type: 'string' },
      bridge: { type: 'string' },
      info: { type: 'string' },
      'public-url': { type: 'string' },
      'federation-url': { type: 'string' },
      'auth-url': { type: 'string' },
      'network-passphrase': { type: 'string' },
      'org-name': { type: 'string' },
      'org-url': { type: 'string' },
      'org-email': { type: 'string' },
      dev: { type: 'boolean', default: false },
      out: { type: 'string' },
      check: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
  } else {
    process.exitCode = runAnchorToml(values, {
      env: process.env,
      stdout: (s) => process.stdout.write(s),
      stderr: (s) => process.stderr.write(s),
    });
  }
} catch (err) {
  process.stderr.write(`anchor-toml: ${(err as Error).message}\n\n${USAGE}\n`);
  process.exitCode = 2;
}
