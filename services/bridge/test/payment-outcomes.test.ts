// /payment outcomes against a real localnet: SEP-29 memo_required (stellar-protocol
// ecosystem/sep-0029.md), send_amount of path payments that cross offers (the rule of
// stellar/go xdr/path_payment_result.go SendAmount), and a Horizon result code no mapping
// row names reaching the client as 400 transaction_failed with the raw codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Asset, Keypair, Memo, MuxedAccount, Operation } from '@stellar/stellar-sdk';
import { AppError } from '@anchor/support';
import { assertMemoGiven } from '../src/services/memo-required.js';
import {
  funded,
  horizon,
  issueAsset,
  localnet,
  networkLegs,
  postPayment,
  runBridge,
  submitOps,
  type Localnet,
  type RunningBridge,
} from './helpers.js';

describe.each(networkLegs())('/payment outcomes over $name', (network) => {
  let net: Localnet;
  let bridge: RunningBridge;
  let base: Keypair;
  let issuer: Keypair;
  beforeAll(async () => {
    net = await localnet(200);
    base = await funded(net, '100000');
    issuer = await funded(net);
    await submitOps(net, issuer, [Operation.setOptions({ setFlags: 3 as never })]);
    bridge = await runBridge({
      ...network.config(net),
      accounts: {
        base_seed: base.secret(),
        authorizing_seed: issuer.secret(),
        issuing_account_id: issuer.publicKey(),
      },
      assets: [{ code: 'USD', issuer: issuer.publicKey() }],
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await net?.close();
  });

  async function transactionCount(account: string): Promise<number> {
    const page = await horizon(net).transactions().forAccount(account).limit(200).call();
    return page.records.length;
  }

  describe('SEP-29 memo_required', () => {
    let exchange: Keypair;
    beforeAll(async () => {
      exchange = await funded(net);
      await submitOps(net, exchange, [Operation.manageData({ name: 'config.memo_required', value: '1' })]);
    });

    it('refuses a payment without memo to an account that requires one, submitting nothing', async () => {
      const data = (await horizon(net).loadAccount(exchange.publicKey())).data_attr;
      expect(data['config.memo_required']).toBe('MQ==');
      const baseBefore = (await horizon(net).loadAccount(base.publicKey())).sequence;
      const before = await transactionCount(exchange.publicKey());

      const res = await postPayment(bridge.url, { destination: exchange.publicKey(), amount: '5' });

      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: 'memo_required', data: { name: 'memo' } });
      expect((await horizon(net).loadAccount(base.publicKey())).sequence).toBe(baseBefore);
      expect(await transactionCount(exchange.publicKey())).toBe(before);
    });

    it('pays the same account when the payment carries a memo', async () => {
      const res = await postPayment(bridge.url, {
        destination: exchange.publicKey(),
        amount: '5',
        memo_type: 'id',
        memo: '1234',
      });
      expect(res.status).toBe(200);
      const tx = await horizon(net).transactions().transaction(String(res.json.hash)).call();
      expect(tx).toMatchObject({ successful: true, memo_type: 'id', memo: '1234' });
    });

    it('exempts a muxed (M…) address of that account, as SEP-29 says', async () => {
      const account = await horizon(net).loadAccount(exchange.publicKey());
      const muxed = new MuxedAccount(account, '7').accountId();
      expect(() => assertMemoGiven(muxed, account.data_attr, undefined)).not.toThrow();
      expect(() => assertMemoGiven(exchange.publicKey(), account.data_attr, Memo.none())).toThrow(AppError);
    });

    it('pays without memo once the account removes the entry', async () => {
      await submitOps(net, exchange, [Operation.manageData({ name: 'config.memo_required', value: null })]);
      const res = await postPayment(bridge.url, { destination: exchange.publicKey(), amount: '5' });
      expect(res.status).toBe(200);
    });
  });

  describe('path payment send_amount when offers are crossed', () => {
    /** Source amount of the path payment as Horizon's operation record shows it. */
    async function horizonSourceAmount(hash: string): Promise<string> {
      const ops = await horizon(net).operations().forTransaction(hash).call();
      return (ops.records[0] as unknown as { source_amount: string }).source_amount;
    }

    it('XLM → USD across two offers: the XLM the offers bought', async () => {
      const dest = await funded(net);
      const maker = await funded(net);
      const { asset: usd } = await issueAsset(net, 'USD', [dest, maker]);
      // USD/XLM book: 5 USD at 2 XLM, 5 USD at 3 XLM.
      await submitOps(net, maker, [
        Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '5', price: '2' }),
        Operation.manageSellOffer({ selling: usd, buying: Asset.native(), amount: '5', price: '3' }),
      ]);

      const res = await postPayment(bridge.url, {
        destination: dest.publicKey(),
        amount: '10',
        asset_code: 'USD',
        asset_issuer: usd.getIssuer(),
        send_max: '30',
      });

      expect(res.status).toBe(200);
      expect(res.json.send_amount).toBe('25.0000000');
      expect(await horizonSourceAmount(String(res.json.hash))).toBe('25.0000000');
    });

    it('XLM → EUR → USD: only the first hop counts, not the EUR of the second', async () => {
      const dest = await funded(net);
      const maker = await funded(net);
      const fx = await funded(net);
      const { asset: usd } = await issueAsset(net, 'USD', [dest, maker]);
      const { asset: eur } = await issueAsset(net, 'EUR', [maker, fx]);
      await submitOps(net, maker, [
        Operation.manageSellOffer({ selling: usd, buying: eur, amount: '10', price: '1' }),
      ]);
      await submitOps(net, fx, [
        Operation.manageSellOffer({ selling: eur, buying: Asset.native(), amount: '10', price: '2' }),
      ]);

      const res = await postPayment(bridge.url, {
        destination: dest.publicKey(),
        amount: '10',
        asset_code: 'USD',
        asset_issuer: usd.getIssuer(),
        send_max: '25',
        'path[0][asset_code]': 'EUR',
        'path[0][asset_issuer]': eur.getIssuer(),
      });

      expect(res.status).toBe(200);
      expect(res.json.send_amount).toBe('20.0000000');
      expect(await horizonSourceAmount(String(res.json.hash))).toBe('20.0000000');
    });
  });

  describe('a result code without a mapping row', () => {
    it('answers 400 transaction_failed with Horizon raw result codes in data', async () => {
      // allow_trust on the issuer itself: core's ALLOW_TRUST_SELF_NOT_ALLOWED, printed by Horizon
      // as op_self_not_allowed (stellar-horizon internal/codes), which the /authorize table lacks.
      const res = await fetch(`${bridge.url}/authorize`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ account_id: issuer.publicKey(), asset_code: 'USD' }).toString(),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        code: 'transaction_failed',
        message: 'The Stellar network rejected the transaction.',
        data: { result_codes: { transaction: 'tx_failed', operations: ['op_self_not_allowed'] } },
      });
    });
  });
});
