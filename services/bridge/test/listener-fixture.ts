// A bridge listening to funded receiving accounts on a fresh localnet and database, with a
// recorder for its receive callback: the fixture of the listener-against-Horizon tests
// (stream closes, rate limits, one stream).
import { afterAll, beforeAll } from 'vitest';
import type { Keypair } from '@stellar/stellar-sdk';
import type { DatabaseLeg, TestDatabase } from '@anchor/support/testing';
import {
  funded,
  localnet,
  migrate,
  recorder,
  runBridge,
  type Localnet,
  type Recorded,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

export interface ListenerFixture {
  net: Localnet;
  database: TestDatabase;
  callbacks: Recorder;
  bridge: RunningBridge;
  receiving: Keypair[];
  /** Funded accounts the bridge does not watch (senders, strangers). */
  others: Keypair[];
  /** The receive callbacks the bridge made. */
  received(): Recorded[];
}

export interface ListenerFixtureOptions {
  /** Localnet options (ledgers close every 200 ms). */
  net?: Record<string, unknown>;
  receiving?: number;
  others?: number;
  /** `[listener]` keys besides receiving_accounts and fast reconnects. */
  listener?: Record<string, unknown>;
  /** Runs once the accounts exist, before the bridge starts (e.g. to watch the network's requests). */
  beforeBridge?: (f: ListenerFixture) => void;
}

/** Fills the fixture in beforeAll (nothing when the leg is unavailable) and tears it down after. */
export function useListenerBridge(leg: DatabaseLeg, options: ListenerFixtureOptions = {}): ListenerFixture {
  const f = { received: () => f.callbacks.requests.filter((r) => r.path === '/receive') } as ListenerFixture;
  beforeAll(async () => {
    if (leg.unavailable) return;
    f.net = await localnet(200, options.net ?? {});
    f.database = await leg.create();
    await migrate(f.database);
    const n = options.receiving ?? 1;
    const all = await Promise.all(Array.from({ length: n + (options.others ?? 1) }, () => funded(f.net)));
    f.receiving = all.slice(0, n);
    f.others = all.slice(n);
    options.beforeBridge?.(f);
    f.callbacks = await recorder();
    f.bridge = await runBridge({
      horizon: f.net.url,
      database: { type: f.database.type, url: f.database.url },
      accounts: { receiving_account_id: f.receiving[0]!.publicKey() },
      assets: [{ code: 'XLM' }],
      callbacks: { receive: `${f.callbacks.url}/receive` },
      listener: {
        receiving_accounts: f.receiving.slice(1).map((k) => k.publicKey()),
        lock_retry_ms: 200,
        reconnect_min_ms: 20,
        reconnect_max_ms: 200,
        ...options.listener,
      },
    });
  });
  afterAll(async () => {
    await f.bridge?.close();
    await f.callbacks?.close();
    await f.database?.drop();
    await f.net?.close();
  });
  return f;
}

/** Whether every account the bridge listens to is following its stream (a condition for until()). */
export async function allStreaming(f: ListenerFixture): Promise<boolean> {
  const states = (await (await fetch(`${f.bridge.url}/admin/listener`)).json()) as { state: string }[];
  return states.length === f.receiving.length && states.every((s) => s.state === 'streaming');
}
