// Muxed (M…) destinations on /payment (CAP-27, SEP-23), against localnet through the real SDK, with
// the bridge on each network backend (Horizon, RPC): an
// M… destination, or a federation answer whose account_id is one, is paid as such (Horizon shows
// `to_muxed`), is exempt from SEP-29's memo requirement, must name an existing account, and a
// malformed M… address is a 400 naming `destination`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Account, Keypair, MuxedAccount, Operation } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg, type TestDatabase } from '@anchor/support/testing';
import {
  funded,
  horizon,
  localnet,
  migrate,
  networkLegs,
  postPayment,
  runBridge,
  submitOps,
  type Localnet,
  type NetworkLeg,
  type RunningBridge,
} from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;

describe.skipIf(leg.unavailable).each(networkLegs())(
  '/payment to muxed accounts over $name',
  (network: NetworkLeg) => {
    let net: Localnet;
    let database: TestDatabase;
    let bridge: RunningBridge;
    let fed: http.Server;
    let fedDomain: string;
    let dest: Keypair;
    let destMuxed: string;
    beforeAll(async () => {
      net = await localnet(200);
      database = await leg.create();
      await migrate(database);
      const base = await funded(net);
      dest = await funded(net);
      // An exchange-like account: SEP-29 says payments to it need a memo, except to its M… addresses.
      await submitOps(net, dest, [Operation.manageData({ name: 'config.memo_required', value: '1' })]);
      destMuxed = new MuxedAccount(await horizon(net).loadAccount(dest.publicKey()), '5150').accountId();
      fed = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname === '/.well-known/stellar.toml') {
          res.end(`FEDERATION_SERVER="http://${fedDomain}/federation"\n`);
          return;
        }
        const answers: Record<string, string> = {
          [`muxed*${fedDomain}`]: destMuxed,
          [`broken*${fedDomain}`]: 'MBROKEN',
        };
        const accountId = answers[url.searchParams.get('q') ?? ''];
        res.writeHead(accountId ? 200 : 404, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify(
            accountId ? { stellar_address: url.searchParams.get('q'), account_id: accountId } : {},
          ),
        );
      });
      await new Promise<void>((r) => fed.listen(0, '127.0.0.1', r));
      fedDomain = `localhost:${(fed.address() as AddressInfo).port}`;
      bridge = await runBridge({
        ...network.config(net),
        database: { type: database.type, url: database.url },
        accounts: { base_seed: base.secret() },
        http: { allow_http: true, timeout_ms: 5000 },
      });
    });
    afterAll(async () => {
      await bridge?.close();
      await new Promise((r) => fed?.close(r));
      await database?.drop();
      await net?.close();
    });

    const opOf = async (hash: unknown) =>
      (await horizon(net).operations().forTransaction(String(hash)).call()).records[0] as unknown as Record<
        string,
        unknown
      >;

    it('pays an M… destination as such, without the memo the G account requires', async () => {
      const res = await postPayment(bridge.url, { destination: destMuxed, amount: '3' });
      expect(res.status).toBe(200);
      expect(await opOf(res.json.hash)).toMatchObject({
        type: 'payment',
        to: dest.publicKey(),
        to_muxed: destMuxed,
        to_muxed_id: '5150',
        amount: '3.0000000',
      });
      // The G account itself still needs its memo (SEP-29).
      const plain = await postPayment(bridge.url, { destination: dest.publicKey(), amount: '3' });
      expect(plain).toMatchObject({ status: 400, json: { code: 'memo_required' } });
    });

    it('pays the M… account a federation answer names', async () => {
      const res = await postPayment(bridge.url, { destination: `muxed*${fedDomain}`, amount: '2' });
      expect(res.status).toBe(200);
      expect(await opOf(res.json.hash)).toMatchObject({ to_muxed: destMuxed, to_muxed_id: '5150' });
      // A malformed account_id in the answer is the federation's failure, as for a bad G… one.
      const broken = await postPayment(bridge.url, { destination: `broken*${fedDomain}`, amount: '2' });
      expect(broken).toMatchObject({ status: 400, json: { code: 'cannot_resolve_destination' } });
    });

    it('a malformed M… address, or one of an account that does not exist, is a 400 naming destination', async () => {
      const bad = `M${destMuxed.slice(1, -1)}${destMuxed.endsWith('A') ? 'B' : 'A'}`;
      for (const destination of [bad, 'MABC', destMuxed.toLowerCase()]) {
        const res = await postPayment(bridge.url, { destination, amount: '1' });
        expect(res).toMatchObject({
          status: 400,
          json: { code: 'invalid_parameter', data: { name: 'destination' } },
        });
      }
      const ghost = new MuxedAccount(new Account(Keypair.random().publicKey(), '0'), '1').accountId();
      const res = await postPayment(bridge.url, { destination: ghost, amount: '1' });
      expect(res).toMatchObject({
        status: 400,
        json: { code: 'invalid_parameter', data: { name: 'destination' } },
      });
    });
  },
);
