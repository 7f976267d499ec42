// /payment, /authorize, /builder, /create-keypair against a real localnet and
// real databases (legacy-reference §7.2–7.4, §7.6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Asset,
  Keypair,
  Operation,
  TransactionBuilder,
  Account,
  Memo,
  type Transaction,
} from '@stellar/stellar-sdk';
import type { TestDatabase } from '@anchor/support/testing';
import { createKnex } from '@anchor/support';
import {
  bridgeFixture,
  bridgeLegs,
  form,
  funded,
  horizon,
  issueAsset,
  localnet,
  networkLegs,
  runBridge,
  submitOps,
  type Localnet,
  type Recorder,
  type RunningBridge,
} from './helpers.js';

const txFromXdr = (envelope: string, passphrase: string) =>
  TransactionBuilder.fromXDR(envelope, passphrase) as Transaction;

async function post(url: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json, text };
}

let net: Localnet;
beforeAll(async () => {
  net = await localnet(200);
});
afterAll(async () => {
  await net?.close();
});

describe.each(networkLegs())('/payment validation (no database) over $name', (network) => {
  let bridge: RunningBridge;
  let base: Keypair;
  beforeAll(async () => {
    base = await funded(net);
    bridge = await runBridge({ ...network.config(net), accounts: { base_seed: base.secret() } });
  });
  afterAll(async () => bridge?.close());

  const dest = Keypair.random().publicKey();
  const cases: [string, Record<string, string>, string, string][] = [
    [
      'P-1 invalid source seed',
      { source: 'SBAD', destination: dest, amount: '1' },
      'invalid_parameter',
      'source',
    ],
    ['P-2 invalid destination', { destination: 'GBAD', amount: '1' }, 'invalid_parameter', 'destination'],
    ['P-3 missing amount', { destination: dest }, 'missing_parameter', 'amount'],
    ['P-3 malformed amount', { destination: dest, amount: '1.12345678' }, 'invalid_parameter', 'amount'],
    [
      'P-4 invalid asset_issuer',
      { destination: dest, amount: '1', asset_code: 'USD', asset_issuer: 'GBAD' },
      'invalid_parameter',
      'asset_issuer',
    ],
    [
      'P-4 invalid asset_code',
      { destination: dest, amount: '1', asset_code: 'TOO_LONG_CODE!', asset_issuer: dest },
      'invalid_parameter',
      'asset_code',
    ],
    [
      'P-4 issuer without code',
      { destination: dest, amount: '1', asset_issuer: dest },
      'missing_parameter',
      'asset_code',
    ],
    [
      'P-11 memo without memo_type',
      { destination: dest, amount: '1', memo: 'x' },
      'missing_parameter',
      'memo_type',
    ],
    [
      'P-11 memo_type without memo',
      { destination: dest, amount: '1', memo_type: 'text' },
      'missing_parameter',
      'memo',
    ],
    [
      'P-12 hash of 63 hex chars',
      { destination: dest, amount: '1', memo_type: 'hash', memo: 'a'.repeat(63) },
      'invalid_parameter',
      'memo',
    ],
    [
      'P-12 unsupported memo type',
      { destination: dest, amount: '1', memo_type: 'return_hash', memo: 'a'.repeat(64) },
      'invalid_parameter',
      'memo_type',
    ],
    [
      'memo id not a number',
      { destination: dest, amount: '1', memo_type: 'id', memo: 'abc' },
      'invalid_parameter',
      'memo',
    ],
    [
      'memo text over 28 bytes',
      { destination: dest, amount: '1', memo_type: 'text', memo: 'x'.repeat(29) },
      'invalid_parameter',
      'memo',
    ],
    ['invalid send_max', { destination: dest, amount: '1', send_max: '-1' }, 'invalid_parameter', 'send_max'],
    [
      'invalid path element',
      {
        destination: dest,
        amount: '1',
        send_max: '2',
        'path[0][asset_code]': 'USD',
        'path[0][asset_issuer]': 'GBAD',
      },
      'invalid_parameter',
      'path[0][asset_issuer]',
    ],
    ['missing destination', { amount: '1' }, 'missing_parameter', 'destination'],
    ['invalid sender', { sender: 'nobody', destination: dest, amount: '1' }, 'invalid_parameter', 'sender'],
  ];
  it.each(cases)('%s → 400 %s naming %s', async (_name, body, code, name) => {
    const res = await post(`${bridge.url}/payment`, body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code, data: { name } });
    expect(res.text).toContain('\n  "code"'); // indented by 2
  });

  it('reports the first bad parameter in the documented order', async () => {
    const res = await post(`${bridge.url}/payment`, { source: 'SBAD', destination: 'GBAD' });
    expect(res.json).toMatchObject({ code: 'invalid_parameter', data: { name: 'source' } });
  });

  it('P-6/P-10 pays a G… destination from base_seed without a database', async () => {
    const to = await funded(net);
    const res = await post(`${bridge.url}/payment`, { destination: to.publicKey(), amount: '12.5' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      ledger: expect.any(Number),
    });
    const account = await horizon(net).loadAccount(to.publicKey());
    expect(account.balances.find((b) => b.asset_type === 'native')?.balance).toBe('10012.5000000');
  });

  it('a payment id without a database is refused (400 idempotency_unavailable), nothing is paid', async () => {
    const to = await funded(net);
    const res = await post(`${bridge.url}/payment`, {
      id: 'no-db-1',
      destination: to.publicKey(),
      amount: '1',
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'idempotency_unavailable', data: { name: 'id' } });
    const account = await horizon(net).loadAccount(to.publicKey());
    expect(account.balances.find((b) => b.asset_type === 'native')?.balance).toBe('10000.0000000');
  });

  it('/create-keypair returns a fresh pair', async () => {
    const res = await post(`${bridge.url}/create-keypair`, {});
    expect(Keypair.fromSecret(res.json.private_key as string).publicKey()).toBe(res.json.public_key);
  });
});

describe.each(networkLegs())('/builder (BLD) over $name', (network) => {
  let bridge: RunningBridge;
  let source: Keypair;
  beforeAll(async () => {
    source = await funded(net);
    bridge = await runBridge(network.config(net));
  });
  afterAll(async () => bridge?.close());

  const build = (body: unknown) =>
    fetch(`${bridge.url}/builder`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));

  it('BLD-1 empty sequence_number → Horizon sequence + 1, signed', async () => {
    const seq = (await horizon(net).loadAccount(source.publicKey())).sequenceNumber();
    const dest = Keypair.random().publicKey();
    const res = await build({
      source: source.publicKey(),
      sequence_number: '',
      operations: [{ type: 'create_account', body: { destination: dest, starting_balance: '5' } }],
      signers: [source.secret()],
    });
    expect(res.status).toBe(200);
    const tx = txFromXdr(res.json.transaction_envelope as string, net.networkPassphrase);
    expect((tx as unknown as { sequence: string }).sequence).toBe((BigInt(seq) + 1n).toString());
    expect(tx.signatures).toHaveLength(1);
  });

  it('BLD-2 given sequence_number is used exactly; every op type builds', async () => {
    const g = Keypair.random().publicKey();
    const usd = { code: 'USD', issuer: g };
    const res = await build({
      source: source.publicKey(),
      sequence_number: '123',
      operations: [
        { type: 'payment', body: { destination: g, amount: '1', asset: usd } },
        {
          type: 'path_payment',
          body: {
            destination: g,
            destination_amount: '1',
            destination_asset: usd,
            send_max: '2',
            send_asset: {},
            path: [{}, usd],
          },
        },
        {
          type: 'set_options',
          body: {
            inflation_dest: g,
            set_flags: [1],
            clear_flags: [2],
            master_weight: 1,
            low_threshold: 2,
            medium_threshold: 3,
            high_threshold: 4,
            home_domain: 'stellar.org',
            signer: { public_key: g, weight: 5 },
          },
        },
        { type: 'change_trust', body: { asset: usd } },
        { type: 'allow_trust', body: { source: g, asset_code: 'USD', trustor: g, authorize: true } },
        { type: 'account_merge', body: { destination: g } },
        { type: 'manage_data', body: { name: 'k', data: 'dmFsdWU=' } },
        { type: 'create_passive_offer', body: { selling: {}, buying: usd, amount: '1', price: '2.5' } },
        {
          type: 'manage_offer',
          body: { selling: usd, buying: { code: 'EUR', issuer: g }, amount: '1', price: '1', offer_id: '0' },
        },
      ],
      signers: [],
    });
    expect(res.status).toBe(200);
    const tx = txFromXdr(res.json.transaction_envelope as string, net.networkPassphrase);
    expect((tx as unknown as { sequence: string }).sequence).toBe('123');
    expect(tx.operations.map((o) => o.type)).toEqual([
      'payment',
      'pathPaymentStrictReceive',
      'setOptions',
      'changeTrust',
      'allowTrust',
      'accountMerge',
      'manageData',
      'createPassiveSellOffer',
      'manageSellOffer',
    ]);
  });

  // BLD-3…11: the legacy golden vectors are v0 envelopes; here each answer is decoded and every
  // field of its operation compared with the request, with the sequence, fee, time bounds and
  // signatures of the envelope.
  describe('BLD-3…11 each operation type: the decoded envelope carries what was asked', () => {
    const issuer = Keypair.random().publicKey();
    const other = Keypair.random().publicKey();
    const usd = { code: 'USD', issuer };
    const USD = new Asset('USD', issuer);
    const cosigner = Keypair.random();
    const cases: [string, { type: string; body: Record<string, unknown> }, Record<string, unknown>][] = [
      [
        'BLD-3 payment (credit, with an operation source)',
        { type: 'payment', body: { destination: other, amount: '10', asset: usd, source: issuer } },
        { type: 'payment', destination: other, asset: USD, amount: '10.0000000', source: issuer },
      ],
      [
        'BLD-3 payment (native)',
        { type: 'payment', body: { destination: other, amount: '0.0000001', asset: {} } },
        { type: 'payment', destination: other, asset: Asset.native(), amount: '0.0000001' },
      ],
      [
        'BLD-4 path_payment (strict receive, credit and native path)',
        {
          type: 'path_payment',
          body: {
            destination: other,
            destination_amount: '20',
            destination_asset: usd,
            send_max: '100',
            send_asset: {},
            path: [{ code: 'ABCDEFG', issuer: other }, {}],
          },
        },
        {
          type: 'pathPaymentStrictReceive',
          destination: other,
          destAmount: '20.0000000',
          destAsset: USD,
          sendMax: '100.0000000',
          sendAsset: Asset.native(),
          path: [new Asset('ABCDEFG', other), Asset.native()],
        },
      ],
      [
        'BLD-5 set_options (every field)',
        {
          type: 'set_options',
          body: {
            inflation_dest: other,
            set_flags: [1, 2],
            clear_flags: [4],
            master_weight: 1,
            low_threshold: 2,
            medium_threshold: 3,
            high_threshold: 4,
            home_domain: 'stellar.org',
            signer: { public_key: issuer, weight: 5 },
          },
        },
        {
          type: 'setOptions',
          inflationDest: other,
          setFlags: 3,
          clearFlags: 4,
          masterWeight: 1,
          lowThreshold: 2,
          medThreshold: 3,
          highThreshold: 4,
          homeDomain: 'stellar.org',
          signer: { ed25519PublicKey: issuer, weight: 5 },
        },
      ],
      [
        'BLD-6 change_trust without a limit → the maximum limit',
        { type: 'change_trust', body: { asset: usd } },
        { type: 'changeTrust', line: USD, limit: '922337203685.4775807' },
      ],
      [
        'BLD-6 change_trust with a limit',
        { type: 'change_trust', body: { asset: usd, limit: '100.5' } },
        { type: 'changeTrust', line: USD, limit: '100.5000000' },
      ],
      [
        'BLD-7 allow_trust (source = the issuer)',
        { type: 'allow_trust', body: { source: issuer, asset_code: 'USD', trustor: other, authorize: true } },
        { type: 'allowTrust', source: issuer, trustor: other, assetCode: 'USD', authorize: 1 },
      ],
      [
        'BLD-7 allow_trust revoking',
        {
          type: 'allow_trust',
          body: { source: issuer, asset_code: 'LONGCODE12', trustor: other, authorize: false },
        },
        { type: 'allowTrust', source: issuer, trustor: other, assetCode: 'LONGCODE12', authorize: 0 },
      ],
      [
        'BLD-8 account_merge',
        { type: 'account_merge', body: { destination: other } },
        { type: 'accountMerge', destination: other },
      ],
      ['BLD-9 inflation', { type: 'inflation', body: {} }, { type: 'inflation' }],
      [
        'BLD-10 manage_data (set)',
        {
          type: 'manage_data',
          body: { name: 'test_data', data: Buffer.from('hello world').toString('base64') },
        },
        { type: 'manageData', name: 'test_data', value: Buffer.from('hello world') },
      ],
      [
        'BLD-10 manage_data (no data = delete the entry)',
        { type: 'manage_data', body: { name: 'x'.repeat(64) } },
        { type: 'manageData', name: 'x'.repeat(64), value: undefined },
      ],
      [
        'BLD-11 create_passive_offer (native allowed)',
        { type: 'create_passive_offer', body: { selling: usd, buying: {}, amount: '10', price: '1.5' } },
        {
          type: 'createPassiveSellOffer',
          selling: USD,
          buying: Asset.native(),
          amount: '10.0000000',
          price: '1.5',
        },
      ],
      [
        'BLD-11 manage_offer (sell offer, offer id)',
        {
          type: 'manage_offer',
          body: {
            selling: usd,
            buying: { code: 'EUR', issuer: other },
            amount: '3',
            price: '0.25',
            offer_id: '7',
          },
        },
        {
          type: 'manageSellOffer',
          selling: USD,
          buying: new Asset('EUR', other),
          amount: '3.0000000',
          price: '0.25',
          offerId: '7',
        },
      ],
    ];

    it.each(cases)('%s', async (_name, op, expected) => {
      const res = await build({
        source: source.publicKey(),
        sequence_number: '8589934593',
        operations: [op],
        signers: [source.secret(), cosigner.secret()],
      });
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(Object.keys(res.json)).toEqual(['transaction_envelope']);
      const tx = txFromXdr(res.json.transaction_envelope as string, net.networkPassphrase);
      expect((tx as unknown as { source: string }).source).toBe(source.publicKey());
      expect((tx as unknown as { sequence: string }).sequence).toBe('8589934593');
      expect(tx.fee).toBe('100');
      expect(tx.timeBounds).toEqual({ minTime: '0', maxTime: '0' });
      expect(tx.memo.type).toBe('none');
      expect(tx.operations).toHaveLength(1);
      expect(tx.operations[0]).toEqual({ ...expected });
      // One signature per signer, each valid for this network's transaction hash.
      expect(tx.signatures).toHaveLength(2);
      const hash = tx.hash();
      expect(tx.signatures.map((sig, i) => [source, cosigner][i]?.verify(hash, sig.signature()))).toEqual([
        true,
        true,
      ]);
    });

    it('several operations: fee 100 per operation, order kept; no signers → unsigned', async () => {
      const res = await build({
        source: source.publicKey(),
        sequence_number: '5',
        operations: [cases[0]?.[1], cases[8]?.[1], cases[9]?.[1]],
        signers: [],
      });
      const tx = txFromXdr(res.json.transaction_envelope as string, net.networkPassphrase);
      expect(tx.fee).toBe('300');
      expect(tx.operations.map((o) => o.type)).toEqual(['payment', 'accountMerge', 'inflation']);
      expect(tx.signatures).toHaveLength(0);
    });

    it.each([
      [
        'allow_trust without a source',
        { type: 'allow_trust', body: { asset_code: 'USD', trustor: other, authorize: true } },
        'operations[0][body][source]',
        'Source must be specified for AllowTrust operation.',
      ],
      [
        'manage_offer selling lumens (it forces credit assets, as the legacy builder did)',
        { type: 'manage_offer', body: { selling: {}, buying: usd, amount: '1', price: '1', offer_id: '0' } },
        'operations[0][body][selling]',
        'Invalid asset.',
      ],
      [
        'manage_offer with a non-numeric offer id',
        { type: 'manage_offer', body: { selling: usd, buying: usd, amount: '1', price: '1', offer_id: 'x' } },
        'operations[0][body][offer_id]',
        'Not a number.',
      ],
      [
        'change_trust with a bad limit',
        { type: 'change_trust', body: { asset: usd, limit: 'lots' } },
        'operations[0][body][limit]',
        'Limit is not a valid amount.',
      ],
      [
        'manage_data with a name over 64 characters',
        { type: 'manage_data', body: { name: 'x'.repeat(65) } },
        'operations[0][body][name]',
        'Name must be less than or equal 64 characters.',
      ],
      [
        'manage_data with data that is not base64',
        { type: 'manage_data', body: { name: 'k', data: 'not base64!' } },
        'operations[0][body][data]',
        'Not a valid base64 string.',
      ],
      [
        'set_options with a bad signer key',
        { type: 'set_options', body: { signer: { public_key: 'GBAD', weight: 1 } } },
        'operations[0][body][signer][public_key]',
        undefined,
      ],
    ])('%s → 400 invalid_parameter', async (_name, op, name, moreInfo) => {
      const res = await build({ source: source.publicKey(), sequence_number: '1', operations: [op] });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        code: 'invalid_parameter',
        data: { name },
        ...(moreInfo ? { more_info: moreInfo } : {}),
      });
    });
  });

  it('validates source, signers, op types and op bodies', async () => {
    const g = Keypair.random().publicKey();
    expect(
      (await build({ source: 'GBAD', operations: [{ type: 'inflation', body: {} }] })).json,
    ).toMatchObject({ data: { name: 'source' } });
    expect(
      (await build({ source: g, signers: ['SBAD'], operations: [{ type: 'inflation', body: {} }] })).json,
    ).toMatchObject({ data: { name: 'signers[0]' } });
    expect(
      (await build({ source: g, sequence_number: '1', operations: [{ type: 'bogus', body: {} }] })).json,
    ).toMatchObject({ data: { name: 'operations[0][type]' } });
    expect(
      (
        await build({
          source: g,
          sequence_number: '1',
          operations: [{ type: 'allow_trust', body: { asset_code: 'USD', trustor: g } }],
        })
      ).json,
    ).toMatchObject({ data: { name: 'operations[0][body][source]' } });
    expect(
      (await build({ source: g, sequence_number: 'x', operations: [{ type: 'inflation', body: {} }] })).json,
    ).toMatchObject({ data: { name: 'sequence_number' } });
  });
});

/** A federation server + stellar.toml on localhost:PORT. */
async function federationServer(records: Record<string, Record<string, string>>) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/.well-known/stellar.toml') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`FEDERATION_SERVER="http://localhost:${(server.address() as AddressInfo).port}/federation"\n`);
      return;
    }
    const key =
      url.searchParams.get('type') === 'forward'
        ? `forward:${url.searchParams.get('acct')}`
        : (url.searchParams.get('q') ?? '');
    const record = records[key];
    res.writeHead(record ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(record ?? { code: 'not_found', message: 'Account not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const domain = `localhost:${(server.address() as AddressInfo).port}`;
  return { domain, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe.each(bridgeLegs({ horizon: ['sqlite3', 'mysql'], rpc: ['sqlite3'] }))(
  '/payment and /authorize on $name',
  ({ network, database: leg }) => {
    // The fixture's recorder stands in for the compliance server.
    const f = bridgeFixture({
      network,
      database: leg,
      respond: (req) => (req.path.startsWith('/send') ? complianceAnswer() : { status: 404 }),
    });
    let net: Localnet;
    let database: TestDatabase;
    let bridge: RunningBridge;
    let base: Keypair;
    let compliance: Recorder;
    let fed: Awaited<ReturnType<typeof federationServer>>;
    const bob = Keypair.random();
    const carol = Keypair.random();
    let issuer: Keypair;
    let trustor: Keypair;
    let complianceAnswer: () => { status: number; body?: string } = () => ({ status: 500 });

    beforeAll(async () => {
      if (leg.unavailable) return;
      ({ net, database, callbacks: compliance } = f);
      base = await funded(net);
      await net.fund(bob.publicKey());
      await net.fund(carol.publicKey());
      trustor = await funded(net);
      issuer = await funded(net);
      await submitOps(net, issuer, [Operation.setOptions({ setFlags: 3 as never })]);
      await submitOps(net, trustor, [Operation.changeTrust({ asset: new Asset('USD', issuer.publicKey()) })]);
      const records: Record<string, Record<string, string>> = {};
      fed = await federationServer(records);
      records[`bob*${fed.domain}`] = { account_id: bob.publicKey() };
      records[`carol*${fed.domain}`] = { account_id: carol.publicKey(), memo_type: 'text', memo: 'route-7' };
      records['forward:2382376'] = { account_id: bob.publicKey(), memo_type: 'id', memo: '42' };
      bridge = await f.start({
        compliance: compliance.url,
        accounts: {
          base_seed: base.secret(),
          authorizing_seed: issuer.secret(),
          issuing_account_id: issuer.publicKey(),
        },
        assets: [{ code: 'USD', issuer: issuer.publicKey() }],
        http: { allow_http: true, timeout_ms: 5000 },
      });
    });
    afterAll(async () => {
      await fed?.close();
    });

    const sentRows = async () => {
      const db = createKnex(database);
      try {
        return await db('sent_transaction').select();
      } finally {
        await db.destroy();
      }
    };

    it.skipIf(leg.unavailable)(
      'P-6 pays an existing account and records sent_transaction success (S-2)',
      async () => {
        const res = await post(`${bridge.url}/payment`, {
          destination: bob.publicKey(),
          amount: '1',
          memo_type: 'text',
          memo: 'hello',
        });
        expect(res.status).toBe(200);
        const rows = await sentRows();
        const row = rows.find((r) => r.transaction_id === res.json.hash);
        expect(row).toMatchObject({ status: 'success', source: base.publicKey() });
        expect(Number(row.ledger)).toBe(res.json.ledger);
        const tx = txFromXdr(row.envelope_xdr, net.networkPassphrase);
        expect(tx.memo.value?.toString()).toBe('hello'); // S-4
        expect(Number(tx.timeBounds?.maxTime)).toBeGreaterThan(0); // time bounds on every tx
      },
    );

    it.skipIf(leg.unavailable)('P-13 memo id and memo hash go into the transaction', async () => {
      const hash = '02003ad4' + '0'.repeat(56);
      const a = await post(`${bridge.url}/payment`, {
        destination: bob.publicKey(),
        amount: '1',
        memo_type: 'id',
        memo: '123',
      });
      const b = await post(`${bridge.url}/payment`, {
        destination: bob.publicKey(),
        amount: '1',
        memo_type: 'hash',
        memo: hash,
      });
      const rows = await sentRows();
      const txA = txFromXdr(
        rows.find((r) => r.transaction_id === a.json.hash).envelope_xdr,
        net.networkPassphrase,
      );
      const txB = txFromXdr(
        rows.find((r) => r.transaction_id === b.json.hash).envelope_xdr,
        net.networkPassphrase,
      );
      expect(txA.memo.type).toBe('id');
      expect(txA.memo.value).toBe('123');
      expect((txB.memo.value as Buffer).toString('hex')).toBe(hash);
    });

    it.skipIf(leg.unavailable)(
      'P-15 native to a new account creates it; custom asset to a new account is refused',
      async () => {
        const fresh = Keypair.random();
        const ok = await post(`${bridge.url}/payment`, { destination: fresh.publicKey(), amount: '5' });
        expect(ok.status).toBe(200);
        expect((await horizon(net).loadAccount(fresh.publicKey())).balances[0]?.balance).toBe('5.0000000');
        const bad = await post(`${bridge.url}/payment`, {
          destination: Keypair.random().publicKey(),
          amount: '5',
          asset_code: 'USD',
          asset_issuer: issuer.publicKey(),
        });
        expect(bad.status).toBe(400);
        expect(bad.json).toMatchObject({ code: 'invalid_parameter', data: { name: 'destination' } });
      },
    );

    it.skipIf(leg.unavailable)('P-15 path payment native → native with send_max and path', async () => {
      const res = await post(`${bridge.url}/payment`, {
        destination: bob.publicKey(),
        amount: '2',
        send_max: '3',
      });
      expect(res.status).toBe(200);
      expect(res.json.send_amount).toBe('2.0000000');
    });

    it.skipIf(leg.unavailable)('P-16 a repeated id never creates a second transaction', async () => {
      const before = await horizon(net).loadAccount(bob.publicKey());
      const body = { id: `pay-${leg.type}-1`, destination: bob.publicKey(), amount: '3' };
      const [first, second] = await Promise.all([
        post(`${bridge.url}/payment`, body),
        post(`${bridge.url}/payment`, body),
      ]);
      const third = await post(`${bridge.url}/payment`, body);
      expect(first.status).toBe(200);
      expect(second.json.hash).toBe(first.json.hash);
      expect(third.json.hash).toBe(first.json.hash);
      const after = await horizon(net).loadAccount(bob.publicKey());
      const xlm = (a: typeof before) => Number(a.balances.find((b) => b.asset_type === 'native')?.balance);
      expect(xlm(after) - xlm(before)).toBeCloseTo(3, 5);
      const rows = (await sentRows()).filter((r) => r.payment_id === body.id);
      expect(rows).toHaveLength(1);
    });

    it.skipIf(leg.unavailable)(
      'S-3 tx_bad_seq: the sequence is resynced from Horizon and the payment still lands',
      async () => {
        await post(`${bridge.url}/payment`, { destination: bob.publicKey(), amount: '1' });
        // Someone else uses the base account: the bridge's cached sequence is now stale.
        await submitOps(net, base, [
          Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: '1' }),
        ]);
        const res = await post(`${bridge.url}/payment`, { destination: bob.publicKey(), amount: '1' });
        expect(res.status).toBe(200);
        const failed = (await sentRows()).filter((r) => r.status === 'failure');
        expect(failed.length).toBeGreaterThanOrEqual(1);
      },
    );

    it.skipIf(leg.unavailable)(
      'Horizon op failures map to documented codes (payment_underfunded, payment_no_trust)',
      async () => {
        const poor = await funded(net, '2');
        const res = await post(`${bridge.url}/payment`, {
          source: poor.secret(),
          destination: bob.publicKey(),
          amount: '100',
        });
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({
          code: 'payment_underfunded',
          message: 'Not enough funds to send this transaction.',
        });
        const { asset } = await issueAsset(net, 'EUR', [base]);
        const noTrust = await post(`${bridge.url}/payment`, {
          destination: bob.publicKey(),
          amount: '1',
          asset_code: 'EUR',
          asset_issuer: asset.getIssuer(),
        });
        expect(noTrust.json).toMatchObject({ code: 'payment_no_trust' });
      },
    );

    it.skipIf(leg.unavailable)(
      'P-7/P-8 federated destination resolved (memo from federation applied); P-5 failure',
      async () => {
        const a = await post(`${bridge.url}/payment`, { destination: `bob*${fed.domain}`, amount: '1' });
        expect(a.status).toBe(200);
        const c = await post(`${bridge.url}/payment`, { destination: `carol*${fed.domain}`, amount: '1' });
        expect(c.status).toBe(200);
        const row = (await sentRows()).find((r) => r.transaction_id === c.json.hash);
        const tx = txFromXdr(row.envelope_xdr, net.networkPassphrase);
        expect(tx.memo.value?.toString()).toBe('route-7');
        expect((tx.operations[0] as { destination: string }).destination).toBe(carol.publicKey());
        const clash = await post(`${bridge.url}/payment`, {
          destination: `carol*${fed.domain}`,
          amount: '1',
          memo_type: 'text',
          memo: 'x',
        });
        expect(clash.json).toMatchObject({ code: 'cannot_use_memo' });
        const missing = await post(`${bridge.url}/payment`, {
          destination: `nobody*${fed.domain}`,
          amount: '1',
        });
        expect(missing.status).toBe(400);
        expect(missing.json).toEqual({
          code: 'cannot_resolve_destination',
          message: 'Cannot resolve federated Stellar address.',
        });
      },
    );

    it.skipIf(leg.unavailable)(
      'P-9 forward destination resolved; unresolvable forward → cannot_resolve_destination',
      async () => {
        const ok = await post(`${bridge.url}/payment`, {
          'forward_destination[domain]': fed.domain,
          'forward_destination[fields][federation_type]': 'bank_account',
          'forward_destination[fields][swift]': 'BOPBPHMM',
          'forward_destination[fields][acct]': '2382376',
          amount: '1',
        });
        expect(ok.status).toBe(200);
        const bad = await post(`${bridge.url}/payment`, {
          'forward_destination[domain]': fed.domain,
          'forward_destination[fields][acct]': '999',
          amount: '1',
        });
        expect(bad.json).toMatchObject({ code: 'cannot_resolve_destination' });
      },
    );

    it.skipIf(leg.unavailable)(
      'P-17 compliance: error → 500, denied → 403, pending → 202, ok → signed and submitted',
      async () => {
        const body = {
          id: `c-${leg.type}`,
          sender: 'alice*bank-a.test',
          destination: 'bob*bank-b.test',
          amount: '4',
          extra_memo: 'hi',
        };
        complianceAnswer = () => ({ status: 400, body: '{}' });
        expect((await post(`${bridge.url}/payment`, body)).json).toMatchObject({
          code: 'internal_server_error',
        });
        complianceAnswer = () => ({
          status: 200,
          body: JSON.stringify({ auth_response: { info_status: 'ok', tx_status: 'denied' } }),
        });
        const denied = await post(`${bridge.url}/payment`, body);
        expect(denied.status).toBe(403);
        expect(denied.json).toEqual({ code: 'denied', message: 'Transaction denied by destination.' });
        complianceAnswer = () => ({
          status: 200,
          body: JSON.stringify({ auth_response: { info_status: 'pending', tx_status: 'ok', pending: 3600 } }),
        });
        const pending = await post(`${bridge.url}/payment`, body);
        expect(pending.status).toBe(202);
        expect(pending.json).toEqual({
          code: 'pending',
          message: 'Transaction pending. Repeat your request after given time.',
          data: { pending: 3600 },
        });
        // ok: compliance returns the unsigned seq-0 transaction with a hash memo.
        const memoHash = Buffer.alloc(32, 7);
        const unsigned = new TransactionBuilder(new Account(base.publicKey(), '-1'), {
          fee: '100',
          networkPassphrase: net.networkPassphrase,
          timebounds: { minTime: 0, maxTime: 0 },
        })
          .addOperation(
            Operation.payment({
              destination: bob.publicKey(),
              asset: Asset.native(),
              amount: '4',
              source: base.publicKey(),
            }),
          )
          .addMemo(Memo.hash(memoHash.toString('hex')))
          .build();
        const txXdr = unsigned.toEnvelope().v1().tx().toXDR('base64');
        complianceAnswer = () => ({
          status: 200,
          body: JSON.stringify({
            auth_response: { info_status: 'ok', tx_status: 'ok' },
            transaction_xdr: txXdr,
          }),
        });
        const ok = await post(`${bridge.url}/payment`, body);
        expect(ok.status).toBe(200);
        const sendRequest = compliance.requests.filter((r) => r.path === '/send').at(-1);
        expect(sendRequest?.form).toMatchObject({
          id: body.id,
          source: base.publicKey(),
          sender: body.sender,
          destination: body.destination,
          amount: '4',
          extra_memo: 'hi',
        });
        const row = (await sentRows()).find((r) => r.transaction_id === ok.json.hash);
        const tx = txFromXdr(row.envelope_xdr, net.networkPassphrase);
        expect((tx.memo.value as Buffer).equals(memoHash)).toBe(true);
        // The same id again: no second transaction (legacy REC: dedupe before branching).
        const again = await post(`${bridge.url}/payment`, body);
        expect(again.json.hash).toBe(ok.json.hash);
      },
    );

    it.skipIf(leg.unavailable)(
      'A-1/A-2 /authorize validation, A-4 success allows the trustline',
      async () => {
        expect(
          (await post(`${bridge.url}/authorize`, { account_id: 'GD3YBOYIUVLU', asset_code: 'USD' })).json,
        ).toMatchObject({ code: 'invalid_parameter', data: { name: 'account_id' } });
        expect(
          (await post(`${bridge.url}/authorize`, { account_id: trustor.publicKey() })).json,
        ).toMatchObject({
          code: 'missing_parameter',
          data: { name: 'asset_code' },
        });
        expect(
          (await post(`${bridge.url}/authorize`, { account_id: trustor.publicKey(), asset_code: 'EUR' }))
            .json,
        ).toMatchObject({ code: 'invalid_parameter', data: { name: 'asset_code' } });
        const ok = await post(`${bridge.url}/authorize`, {
          account_id: trustor.publicKey(),
          asset_code: 'USD',
        });
        expect(ok.status).toBe(200);
        const line = (await horizon(net).loadAccount(trustor.publicKey())).balances.find(
          (b) => 'asset_code' in b && b.asset_code === 'USD',
        ) as { is_authorized?: boolean };
        expect(line.is_authorized).toBe(true);
        const noLine = await post(`${bridge.url}/authorize`, {
          account_id: bob.publicKey(),
          asset_code: 'USD',
        });
        expect(noLine.json, JSON.stringify(noLine.json)).toMatchObject({ code: 'allow_trust_no_trustline' });
      },
    );

    it.skipIf(leg.unavailable)(
      '/admin/sent-transactions lists rows, newest first, with payment_id as a plain string',
      async () => {
        const res = await fetch(`${bridge.url}/admin/sent-transactions`);
        const rows = (await res.json()) as Record<string, unknown>[];
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.length).toBeLessThanOrEqual(10);
        expect(Number(rows[0]?.id)).toBeGreaterThan(Number(rows[1]?.id));
        expect(rows.some((r) => typeof r.payment_id === 'string')).toBe(true);
      },
    );
  },
);

describe.each(networkLegs())('API key over $name', (network) => {
  let bridge: RunningBridge;
  beforeAll(async () => {
    bridge = await runBridge({ ...network.config(net), api_key: 'a-very-long-api-key' });
  });
  afterAll(async () => bridge?.close());
  it('accepts apiKey/api_key form fields, query and X-API-Key header; otherwise 403 Forbidden', async () => {
    const denied = await post(`${bridge.url}/create-keypair`, {});
    expect(denied.status).toBe(403);
    expect(denied.text).toBe('Forbidden\n');
    expect((await post(`${bridge.url}/create-keypair`, { apiKey: 'a-very-long-api-key' })).status).toBe(200);
    expect((await post(`${bridge.url}/create-keypair`, { api_key: 'a-very-long-api-key' })).status).toBe(200);
    expect((await post(`${bridge.url}/create-keypair?api_key=a-very-long-api-key`, {})).status).toBe(200);
    expect(
      (await post(`${bridge.url}/create-keypair`, {}, { 'X-API-Key': 'a-very-long-api-key' })).status,
    ).toBe(200);
  });
});
