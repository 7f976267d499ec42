// Loads a service's TOML config file, lets environment variables override
// selected keys (secrets above all), and validates the result with a strict zod
// schema so that a typo or a bad value stops the process at start-up with every
// problem listed, instead of surfacing as a strange failure hours later.
import { readFileSync } from 'node:fs';
import TOML from '@iarna/toml';
import type { z } from 'zod';

/** A config file that cannot be used; `problems` lists every bad field. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Maps an environment variable name to the dotted key path it overrides. */
export type EnvOverrides = Record<string, string>;

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** e.g. `{ COMPLIANCE_SIGNING_SEED: 'keys.signing_seed' }` */
  envOverrides?: EnvOverrides;
}

/**
 * Reads `file`, applies env overrides, validates with `schema`.
 * @throws ConfigError listing every problem (unreadable file, TOML syntax, bad fields).
 */
export function loadConfig<S extends z.ZodType>(
  file: string,
  schema: S,
  options: LoadConfigOptions = {},
): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let raw: Record<string, unknown>;
  try {
    raw = TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(file, [`not valid TOML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateConfig(file, raw, schema, options);
}

/** Validates an already-parsed config object (used by tests and by loadConfig). */
export function validateConfig<S extends z.ZodType>(
  file: string,
  raw: Record<string, unknown>,
  schema: S,
  { env = process.env, envOverrides = {} }: LoadConfigOptions = {},
): z.infer<S> {
  const merged = structuredClone(raw);
  for (const [variable, path] of Object.entries(envOverrides)) {
    const value = env[variable];
    if (value !== undefined && value !== '') setPath(merged, path.split('.'), value);
  }
  const result = schema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.map(formatIssue));
  }
  return deepFreeze(result.data);
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const prefix = where ? `${where}.` : '';
    return `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.map((k) => prefix + k).join(', ')}`;
  }
  return where ? `${where}: ${issue.message}` : issue.message;
}

function setPath(target: Record<string, unknown>, path: string[], value: string): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
