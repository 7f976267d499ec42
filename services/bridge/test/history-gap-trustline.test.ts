// The history-gap guard's trustline path (src/services/history-gap.ts): a payment in an issued
// asset changes only the receiver's trustline entry, never its account entry (stellar-core keeps
// them apart; localnet now does too), so an account whose own last_modified_ledger is older than
// the stored cursor can still have received money in the ledgers Horizon dropped. The guard must
// read the trustlines' last_modified_ledger to see that gap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, type Keypair } from '@stellar/stellar-sdk';
import { databaseLegs, type TestDatabase } from '@anchor/support/testing';
import {
  funded,
  horizon,
  issueAsset,
  listenerStateOf,
  localnet,
  migrate,
  payDirect,
  recorder,
  runBridge,
  storedListenerCursor,
  until,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const RETENTION = 5;

let net: Localnet;
beforeAll(async () => {
  net = await localnet(200, { historyRetentionLedgers: RETENTION });
});
afterAll(async () => {
  await net?.close();
});

describe.each(databaseLegs(['sqlite3']))('history gap through a trustline on $type', (leg) => {
  let database: TestDatabase;
  let callbacks: Recorder;
  let bridge: RunningBridge | undefined;
  let receiving: Keypair;
  let sender: Keypair;
  let usd: Asset;

  beforeAll(async () => {
    if (leg.unavailable) return;
    database = await leg.create();
    await migrate(database);
    receiving = await funded(net);
    sender = await funded(net);
    ({ asset: usd } = await issueAsset(net, 'USD', [sender, receiving]));
    callbacks = await recorder();
  });
  afterAll(async () => {
    await bridge?.close();
    await callbacks?.close();
    await database?.drop();
  });

  const start = () =>
    runBridge({
      horizon: net.url,
      database: { type: database.type, url: database.url },
      accounts: { receiving_account_id: receiving.publicKey() },
      assets: [{ code: 'XLM' }, { code: 'USD', issuer: usd.getIssuer() }],
      callbacks: { receive: `${callbacks.url}/receive` },
      listener: { history_gap: 'halt', lock_retry_ms: 200, retry_min_ms: 50, retry_max_ms: 400 },
    });
  const listenerState = () => listenerStateOf(bridge?.url, receiving.publicKey());
  const storedCursor = () => storedListenerCursor(database, receiving.publicKey());
  const pay = (amount: string, asset: Asset) => payDirect(net, sender, receiving.publicKey(), amount, asset);

  it.skipIf(leg.unavailable)(
    'a USD payment missed while down halts the account although its account entry predates the cursor',
    async () => {
      // A native payment is delivered: the cursor's ledger is also the account entry's last change.
      bridge = await start();
      await until(async () => (await listenerState())?.state === 'streaming');
      const a = await pay('1', Asset.native());
      await until(() => callbacks.requests.some((r) => r.path === '/receive' && r.form.id === a.opId));
      await until(async () => (await storedCursor()) === a.opId);
      await bridge.close();
      bridge = undefined;

      // While down, only the trustline changes, and its ledger falls out of Horizon's history.
      const b = await pay('2', usd);
      await until(async () => Number((await horizon(net).root()).history_elder_ledger) > b.ledger);
      const acct = await horizon(net).loadAccount(receiving.publicKey());
      expect(acct.last_modified_ledger).toBeLessThanOrEqual(a.ledger);
      const line = acct.balances.find((x) => 'asset_code' in x && x.asset_code === 'USD') as {
        last_modified_ledger: number;
      };
      expect(line.last_modified_ledger).toBe(b.ledger);

      bridge = await start();
      const state = await until(async () => {
        const s = await listenerState();
        return s?.state === 'halted' ? s : undefined;
      });
      expect(state.historyGap).toMatchObject({ cursor: a.opId, cursorLedger: a.ledger, policy: 'halt' });
      expect(callbacks.requests.some((r) => r.path === '/receive' && r.form.id === b.opId)).toBe(false);
      expect(await storedCursor()).toBe(a.opId);
    },
    120_000,
  );
});
