// Starts the anchor services as separate OS processes, the way a bank runs
// them, waits until each answers on its health URL, keeps their logs in files
// so the demo's own output stays readable, and stops them all together.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartOptions {
  /** argv after `node`, e.g. [bin, '-c', cfg]. */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Polled until it answers (any HTTP status): the process is then ready. */
  readyUrl: string;
  readyTimeoutMs?: number;
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
}

export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  constructor(private readonly logDir: string) {}

  /** Spawns `node …args`, resolves once `readyUrl` answers; rejects with the log tail if it exits first. */
  async start(name: string, options: StartOptions): Promise<ManagedProcess> {
    const logFile = join(this.logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, options.args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const managed = { name, child, logFile };
    this.processes.push(managed);
    await this.waitReady(managed, options.readyUrl, options.readyTimeoutMs ?? 30_000);
    return managed;
  }

  private async waitReady(managed: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (managed.child.exitCode !== null || managed.child.signalCode !== null) {
        throw new Error(`${managed.name} exited during start-up:\n${tail(managed.logFile)}`);
      }
      try {
        await fetch(url, { signal: AbortSignal.timeout(1000) });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(
      `${managed.name} did not answer on ${url} within ${timeoutMs} ms:\n${tail(managed.logFile)}`,
    );
  }

  /** Stops one process: SIGTERM, then SIGKILL if it has not exited in 5 s. */
  async stop(managed: ManagedProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const { child } = managed;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops every process, newest first (the front before the services behind it). */
  async stopAll(): Promise<void> {
    for (const managed of [...this.processes].reverse()) await this.stop(managed);
    this.processes.length = 0;
  }
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
