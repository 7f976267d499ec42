// The anchor-toml command without process globals, so tests can drive it.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import TOML from '@iarna/toml';
import { checkStellarToml, generateStellarToml } from './generate.js';
import { StellarTomlError } from './spec.js';

export interface AnchorTomlArgs {
  domain?: string;
  federation?: string;
  compliance?: string;
  bridge?: string;
  info?: string;
  'public-url'?: string;
  'federation-url'?: string;
  'auth-url'?: string;
  'network-passphrase'?: string;
  'org-name'?: string;
  'org-url'?: string;
  'org-email'?: string;
  dev?: boolean;
  out?: string;
  check?: string;
}

export interface AnchorTomlIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class UsageError extends Error {}

/** Parses a TOML file (configs are plain TOML: no service code needed). @throws on unreadable or invalid TOML */
export function readTomlFile(file: string): Record<string, unknown> {
  return TOML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function readToml(file: string, problems: string[]): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    return TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    // The parser's message quotes the offending line, which may hold a secret: keep its first line only.
    problems.push(`${file}: not valid TOML (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** Writes next to the target and renames, so nginx never serves half a file. World-readable. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

/** Runs anchor-toml; returns the exit code. */
export function runAnchorToml(args: AnchorTomlArgs, io: AnchorTomlIo): number {
  try {
    if (args.check !== undefined) {
      let text: string;
      try {
        text = readFileSync(args.check, 'utf8');
      } catch (err) {
        io.stderr(`anchor-toml: ${args.check}: cannot read (${(err as NodeJS.ErrnoException).code})\n`);
        return 1;
      }
      const problems = checkStellarToml(text, { dev: args.dev });
      if (problems.length > 0) throw new StellarTomlError(problems);
      io.stdout(`${args.check}: ok\n`);
      return 0;
    }
    if (!args.domain) throw new UsageError('--domain is required');
    if (!args.federation && !args.compliance && !args.bridge) {
      throw new UsageError('give at least one of --federation, --compliance, --bridge');
    }
    const problems: string[] = [];
    const load = (file: string | undefined) => (file ? readToml(file, problems) : undefined);
    const federation = load(args.federation);
    const compliance = load(args.compliance);
    const bridge = load(args.bridge);
    const info = load(args.info);
    if (problems.length > 0) throw new StellarTomlError(problems);

    const documentation: Record<string, string> = {};
    if (args['org-name']) documentation.ORG_NAME = args['org-name'];
    if (args['org-url']) documentation.ORG_URL = args['org-url'];
    if (args['org-email']) documentation.ORG_OFFICIAL_EMAIL = args['org-email'];

    const text = generateStellarToml({
      domain: args.domain,
      publicUrl: args['public-url'],
      federationUrl: args['federation-url'],
      authUrl: args['auth-url'],
      networkPassphrase: args['network-passphrase'],
      federation,
      compliance,
      bridge,
      info,
      documentation,
      dev: args.dev,
      env: io.env,
    });
    if (args.out && args.out !== '-') {
      writeFileAtomic(args.out, text);
      io.stdout(`wrote ${args.out} for ${args.domain} (${Buffer.byteLength(text)} bytes)\n`);
    } else {
      io.stdout(text);
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`anchor-toml: ${err.message} (see --help)\n`);
      return 2;
    }
    if (err instanceof StellarTomlError) {
      io.stderr(
        `anchor-toml: refused, nothing written:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return 1;
    }
    throw err;
  }
}
