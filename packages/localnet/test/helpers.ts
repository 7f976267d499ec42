// Shared test scaffolding: a localnet on an ephemeral port with fast ledgers, an SDK client
// pointed at it, and small builders for funded accounts and signed transactions.
import { Account, Horizon, Keypair, MuxedAccount, TransactionBuilder, type xdr } from '@stellar/stellar-sdk';
import { start, type Localnet, type LocalnetOptions } from '../src/index.js';

export interface Ctx {
  net: Localnet;
  server: Horizon.Server;
}

export async function startNet(options: LocalnetOptions = {}): Promise<Ctx> {
  const net = await start({ port: 0, closeIntervalMs: 100, logLevel: 'silent', ...options });
  return { net, server: new Horizon.Server(net.url, { allowHttp: true }) };
}

/** The M… address of `kp` with muxed id `id` (the sequence of the base Account is irrelevant). */
export function mux(kp: Keypair, id: string): string {
  return new MuxedAccount(new Account(kp.publicKey(), '0'), id).accountId();
}

export async function funded(ctx: Ctx, amount = '1000'): Promise<Keypair> {
  const kp = Keypair.random();
  await ctx.net.fund(kp.publicKey(), amount);
  return kp;
}

export async function fundedMany(ctx: Ctx, n: number, amount = '1000'): Promise<Keypair[]> {
  const kps = Array.from({ length: n }, () => Keypair.random());
  await Promise.all(kps.map((k) => ctx.net.fund(k.publicKey(), amount)));
  return kps;
}

/** Builds and signs a transaction from `source` (loading its sequence number from Horizon). */
export async function buildTx(
  ctx: Ctx,
  source: Keypair,
  ops: xdr.Operation[],
  opts: {
    signers?: Keypair[];
    fee?: string;
    timeout?: number;
    sequence?: string;
    memo?: import('@stellar/stellar-sdk').Memo;
  } = {},
) {
  const account = opts.sequence
    ? new Account(source.publicKey(), opts.sequence)
    : await ctx.server.loadAccount(source.publicKey());
  const b = new TransactionBuilder(account, {
    fee: opts.fee ?? '100',
    networkPassphrase: ctx.net.networkPassphrase,
  });
  for (const op of ops) b.addOperation(op);
  if (opts.memo) b.addMemo(opts.memo);
  const tx = b.setTimeout(opts.timeout ?? 60).build();
  for (const s of opts.signers ?? [source]) tx.sign(s);
  return tx;
}

interface HorizonErrorShape {
  response?: {
    status: number;
    data: {
      type?: string;
      extras?: {
        result_codes?: { transaction: string; operations?: string[]; inner_transaction?: string };
        result_xdr?: string;
      };
    };
  };
}

/** Submits and expects a failure; returns the HTTP status and Horizon result codes. */
export async function submitExpectingFailure(
  ctx: Ctx,
  tx: Parameters<Horizon.Server['submitTransaction']>[0],
) {
  try {
    await ctx.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
  } catch (e) {
    const r = (e as HorizonErrorShape).response;
    if (!r) throw e;
    return {
      status: r.status,
      type: r.data.type,
      codes: r.data.extras?.result_codes,
      resultXdr: r.data.extras?.result_xdr,
    };
  }
  throw new Error('submission unexpectedly succeeded');
}

/** POSTs a signed transaction as Horizon's form body: `/transactions_async` or `/transactions`. */
export async function postTx(
  ctx: Ctx,
  tx: { toEnvelope(): xdr.TransactionEnvelope },
  endpoint: '/transactions_async' | '/transactions' = '/transactions_async',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${ctx.net.url}${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `tx=${encodeURIComponent(tx.toEnvelope().toXDR('base64'))}`,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
