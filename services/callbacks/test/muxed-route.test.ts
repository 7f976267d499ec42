// The reference backend routes a payment sent to a muxed (M…) address by its muxed id, as it
// routes one by its id memo: the bridge's receive callback carries `to_muxed` / `to_muxed_id`
// for such payments (SEP-23; the muxed id wins over a memo). Malformed fields are 400s naming them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import { databaseLegs, type DatabaseLeg } from '@anchor/support/testing';
import { seedCustomers } from '../src/sample.js';
import {
  ALICE,
  BOB,
  DOMAIN,
  encodeForm,
  receiveFields,
  sign,
  startHarness,
  type Harness,
} from './helpers.js';

const leg = databaseLegs(['sqlite3'])[0] as DatabaseLeg;
const ACCOUNT = Keypair.random().publicKey();

function muxed(g: string, id: bigint): string {
  const raw = Buffer.alloc(40);
  StrKey.decodeEd25519PublicKey(g).copy(raw);
  raw.writeBigUInt64BE(id, 32);
  return StrKey.encodeMed25519PublicKey(raw);
}

describe.skipIf(leg.unavailable)('receive by muxed id', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(leg, 30);
    await seedCustomers(h.deps.customers, [ALICE, BOB]);
  });
  afterAll(async () => {
    await h?.close();
  });

  const postReceive = (fields: Record<string, string>) => {
    const body = encodeForm(fields);
    return request(h.app)
      .post('/receive')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .set('X-Payload-Mac', sign(body))
      .send(body);
  };

  it('credits the customer whose route is the muxed id, without a memo', async () => {
    const answer = await postReceive(
      receiveFields({
        id: 'op-muxed-1',
        route: '',
        memo_type: 'none',
        memo: '',
        to_muxed: muxed(ACCOUNT, 1002n),
        to_muxed_id: '1002',
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'credited', customer: `bob*${DOMAIN}` });
  });

  it('the muxed id wins over an id memo naming another customer', async () => {
    const answer = await postReceive(
      receiveFields({
        id: 'op-muxed-2',
        route: '1001',
        memo: '1001',
        to_muxed: muxed(ACCOUNT, 1002n),
        to_muxed_id: '1002',
      }),
    );
    expect(answer.body).toMatchObject({ customer: `bob*${DOMAIN}` });
  });

  it('an unknown muxed id is an unknown route (404), recorded', async () => {
    const answer = await postReceive(
      receiveFields({ id: 'op-muxed-3', to_muxed: muxed(ACCOUNT, 77n), to_muxed_id: '77' }),
    );
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'unknown_route', data: { route: '77' } });
  });

  it.each([
    ['to_muxed_id', { to_muxed: muxed(ACCOUNT, 1n), to_muxed_id: 'x1' }],
    ['to_muxed_id', { to_muxed: muxed(ACCOUNT, 1n), to_muxed_id: '18446744073709551616' }],
    ['to_muxed', { to_muxed: muxed(ACCOUNT, 1n), to_muxed_id: '2' }],
    ['to_muxed', { to_muxed: `M${'A'.repeat(68)}`, to_muxed_id: '1' }],
    ['to_muxed', { to_muxed_id: '1' }],
  ])('a malformed %s is a 400 naming it', async (name, fields) => {
    const answer = await postReceive(
      receiveFields({ id: `op-bad-${name}-${fields.to_muxed_id}`, ...fields }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'invalid_parameter', data: { name } });
  });
});
