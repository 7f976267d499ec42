// Claimable balances whose claimant is a receiving account: money sent to us that is not ours
// until it is claimed, and that Horizon's /payments never lists (stellar-horizon
// operations_processor.go IsPayment has no create_claimable_balance). For every receiving account
// this process holds the listener lock of, every `claimable_poll_ms` the balances it can claim are
// read (Horizon's /claimable_balances?claimant=) and recorded (GET /admin/claimable-balances).
// With `[listener] claimable_balances = "claim"` and the receiving account's seed at hand, the
// bridge claims each balance of an allowed asset and delivers the claim as a received payment:
// `id` = the claim operation's id, `transaction_id` = the claim's hash, `from` = the balance's
// sponsor (its creator), plus `claimable_balance_id`. Exactly once, across a crash at any line:
// the row is `claiming` before the claim is submitted, and the submitter records every envelope
// in sent_transaction before submitting it; a balance can be claimed only once on the network;
// the delivery is recorded under the claim's (account, operation id, hash) key, which is unique.
// A `claiming` row nobody is working on (a crash, or a claim refused with op_does_not_exist) is
// settled from those records: a recorded claim of this balance that landed is delivered as if it
// had just landed; otherwise a still-listed balance is claimed again, and a gone one is
// `vanished`, for an operator (claimed elsewhere).
import { Memo, Operation, xdr, type Keypair } from '@stellar/stellar-sdk';
import { AppError, NotFoundError, type Logger } from '@anchor/support';
import type { FoundTransaction, StellarNetwork } from '../network/stellar-network.js';
import type { ClaimableBalanceRow, ClaimableBalanceStore } from '../stores/claimable-balance.store.js';
import { STATUS, type ReceivedPaymentStore } from '../stores/received-payment.store.js';
import type { SentTransactionStore } from '../stores/sent-transaction.store.js';
import type { DeliveryPayload } from './delivery.service.js';
import type { AllowedAsset } from './listener.service.js';
import type { SubmitJob, SubmitSuccess } from './submitter.service.js';

export type ClaimPolicy = 'report' | 'claim';

export interface ClaimableBalanceOptions {
  network: StellarNetwork;
  store: ClaimableBalanceStore;
  received: ReceivedPaymentStore;
  /** Where the submitter recorded every envelope before submitting it (crash recovery). */
  sent: Pick<SentTransactionStore, 'submittedSince'>;
  /** The submitter's channel accounts: a claim's transaction source when there are any. */
  channels: string[];
  submit(job: SubmitJob): Promise<SubmitSuccess>;
  /** New deliveries are waiting. */
  notify(): void;
  logger: Logger;
  policy: ClaimPolicy;
  accounts: string[];
  /** Keypairs of the receiving accounts the bridge can sign claims for. */
  signers: Map<string, Keypair>;
  assets: readonly AllowedAsset[];
  pollMs: number;
  /** Whether this process holds the account's listener lock (only the holder scans). */
  holds(accountId: string): boolean;
  /** Test hook (crash tests): runs after a claim landed, before its delivery is recorded. */
  onClaimLanded?: () => void;
}

/** How far back of a balance's `seen_at` its claim may have been recorded (clocks of replicas). */
const CLOCK_MARGIN_MS = 5 * 60_000;

const VANISHED =
  'balance gone while claiming and no claim of ours is known to have landed (crash mid-claim, or claimed elsewhere): check the account history';

export class ClaimableBalanceService {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** Balance rows this process is claiming right now. */
  private readonly inFlight = new Set<number>();

  constructor(private readonly options: ClaimableBalanceOptions) {}

  start(): void {
    if (this.running) return;
    if (!this.options.network.claimableBalances) {
      this.options.logger.warn('this network backend cannot list claimable balances: none are looked for', {
        backend: this.options.network.backend,
        hint: 'with backend = "rpc", set network.horizon_url',
      });
      return;
    }
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        for (const account of this.options.accounts) {
          if (!this.running || !this.options.holds(account)) continue;
          await this.scan(account).catch((err: unknown) =>
            this.options.logger.warn('claimable balance scan failed', { account, error: String(err) }),
          );
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** One pass over the balances `account` can claim. */
  async scan(account: string): Promise<void> {
    const { network, store, policy } = this.options;
    if (!network.claimableBalances)
      throw new Error(`the ${network.backend} backend cannot list claimable balances`);
    const listed = await network.claimableBalances(account);
    const present = new Set(listed.map((b) => b.id));
    for (const row of await store.inStatus(account, 'claiming')) {
      if (this.inFlight.has(row.id)) continue;
      const log = this.options.logger.child({ account, balance_id: row.balance_id });
      // Left by a crash: a claim of ours may have landed without its delivery being recorded.
      if (await this.recover(row, log)) continue;
      // Still there: no claim of ours landed. One still pending can land before the next claim,
      // which then fails op_does_not_exist and comes back here (a balance is claimed only once).
      if (present.has(row.balance_id)) {
        await store.update(row.id, { status: 'reported' }, ['claiming']);
        continue;
      }
      await this.vanish(row, log);
    }
    for (const b of listed) {
      const [code, issuer] = b.asset === 'native' ? ['XLM', ''] : (b.asset.split(':') as [string, string]);
      const row = await store.remember({
        account_id: account,
        balance_id: b.id,
        asset_code: code,
        asset_issuer: issuer,
        amount: b.amount,
        sponsor: b.sponsor,
      });
      // Claimed rows may still be listed for a moment (Horizon ingests after the claim's ledger).
      if (policy === 'report' || row.status === 'claimed') continue;
      const reason = this.unclaimable(row);
      if (reason) {
        if (row.last_error !== reason) await store.update(row.id, { last_error: reason });
        continue;
      }
      await this.claim(row);
    }
  }

  /** Why the bridge will not claim this balance, or undefined. */
  private unclaimable(row: ClaimableBalanceRow): string | undefined {
    if (!this.options.signers.has(row.account_id))
      return 'no seed for this receiving account: claim it yourself';
    const native = row.asset_code === 'XLM' && row.asset_issuer === '';
    const allowed = this.options.assets.some((a) =>
      native ? a.code === 'XLM' && !a.issuer : a.code === row.asset_code && a.issuer === row.asset_issuer,
    );
    return allowed ? undefined : STATUS.assetNotAllowed;
  }

  /**
   * The operator's claim of one balance (also under policy `report`).
   * @throws NotFoundError when no receiving account has it; 409 when it is claimed or being claimed;
   *   400 `cannot_claim` when the bridge may not claim it (no seed, asset not allowed).
   */
  async claimNow(balanceId: string): Promise<ClaimableBalanceRow> {
    const rows = await this.options.store.byBalanceId(balanceId);
    const row = rows.find((r) => r.status === 'reported') ?? rows[0];
    if (!row) throw new NotFoundError('not_found', 'No receiving account has this claimable balance.');
    if (row.status !== 'reported')
      throw new AppError(409, `already_${row.status}`, `This claimable balance is ${row.status}.`, {
        data: { name: 'balance_id' },
      });
    const reason = this.unclaimable(row);
    if (reason) throw new AppError(400, 'cannot_claim', reason, { data: { name: 'balance_id' } });
    await this.claim(row);
    return (await this.options.store.byBalanceId(balanceId)).find(
      (r) => r.id === row.id,
    ) as ClaimableBalanceRow;
  }

  private async claim(row: ClaimableBalanceRow): Promise<void> {
    const { store } = this.options;
    const log = this.options.logger.child({ account: row.account_id, balance_id: row.balance_id });
    // Compare-and-set: one claimer per balance, whichever replica or operator asks.
    if (!(await store.update(row.id, { status: 'claiming', last_error: null }, ['reported']))) return;
    this.inFlight.add(row.id);
    try {
      await this.submitClaim(row, log);
    } finally {
      this.inFlight.delete(row.id);
    }
  }

  private async submitClaim(row: ClaimableBalanceRow, log: Logger): Promise<void> {
    const { store, network } = this.options;
    let landed: SubmitSuccess;
    try {
      landed = await this.options.submit({
        operation: Operation.claimClaimableBalance({ balanceId: row.balance_id, source: row.account_id }),
        kind: 'other',
        memo: Memo.none(),
        signer: this.options.signers.get(row.account_id) as Keypair,
      });
    } catch (err) {
      // Rejected (a predicate not yet true, no trustline, …): reported, tried again next scan. A
      // balance that no longer exists was claimed: by an earlier claim of ours that landed (left
      // by a crash), or by someone else (`vanished` when it was ours to deliver).
      const codes = (err as { details?: { data?: { result_codes?: { operations?: string[] } } } }).details
        ?.data?.result_codes?.operations;
      log.warn('claim of a claimable balance failed', { error: String(err), codes });
      if (codes?.includes('op_does_not_exist')) {
        if (!(await this.recover(row, log))) await this.vanish(row, log);
        return;
      }
      await store.update(
        row.id,
        { status: 'reported', last_error: `claim failed: ${String((err as Error).message ?? err)}` },
        ['claiming'],
      );
      return;
    }
    this.options.onClaimLanded?.();
    await this.delivered(
      row,
      landed.hash,
      landed.operationIndex,
      await network.findTransaction(landed.hash),
      log,
    );
  }

  /**
   * Delivers a recorded claim of this row's balance that landed (what a crash after the claim
   * left undelivered); false when none of ours did.
   */
  private async recover(row: ClaimableBalanceRow, log: Logger): Promise<boolean> {
    const since = new Date(Date.parse(row.seen_at) - CLOCK_MARGIN_MS);
    const sent = await this.options.sent.submittedSince([row.account_id, ...this.options.channels], since);
    for (const tx of sent) {
      const index = claimIndex(tx.envelope_xdr, row);
      if (index < 0) continue;
      const found = await this.options.network.findTransaction(tx.transaction_id);
      if (!found?.successful) continue;
      log.warn('a claim of ours landed without its delivery recorded (crash mid-claim): delivering it', {
        hash: tx.transaction_id,
      });
      await this.delivered(row, tx.transaction_id, index, found, log);
      return true;
    }
    return false;
  }

  private async vanish(row: ClaimableBalanceRow, log: Logger): Promise<void> {
    await this.options.store.update(row.id, { status: 'vanished', last_error: VANISHED }, ['claiming']);
    log.error('claimable balance vanished while claiming');
  }

  /** The claim `hash` (its operation `operationIndex`) landed: records its delivery, once. */
  private async delivered(
    row: ClaimableBalanceRow,
    hash: string,
    operationIndex: number,
    found: FoundTransaction | undefined,
    log: Logger,
  ): Promise<void> {
    if (!found?.toid) throw new Error(`claim ${hash} landed but its transaction cannot be read`);
    const operationId = (BigInt(found.toid) + BigInt(operationIndex) + 1n).toString();
    const native = row.asset_code === 'XLM' && row.asset_issuer === '';
    const payload: DeliveryPayload = {
      id: operationId,
      from: row.sponsor,
      amount: row.amount,
      asset_code: native ? '' : row.asset_code,
      asset_issuer: row.asset_issuer,
      memo_type: 'none',
      memo: '',
      transaction_id: hash,
      claimable_balance_id: row.balance_id,
    };
    // Unique on (account, operation id, hash): a second recording of the same claim is a no-op.
    await this.options.received.record({
      accountId: row.account_id,
      operationId,
      pagingToken: operationId,
      transactionId: hash,
      status: STATUS.queued,
      deliveries: [{ kind: 'receive', payload: JSON.stringify(payload) }],
      // A claim is not read from the payments stream: the listener's cursor stays where it is.
      keepCursor: true,
    });
    await this.options.store.update(row.id, {
      status: 'claimed',
      claim_hash: hash,
      operation_id: operationId,
    });
    log.info('claimable balance claimed; delivery queued', { operation_id: operationId, hash });
    this.options.notify();
  }
}

/** The index of the operation of `envelopeXdr` that claims `row`'s balance for its account; -1 when none. */
function claimIndex(envelopeXdr: string, row: ClaimableBalanceRow): number {
  let operations: xdr.Operation[];
  try {
    const envelope = xdr.TransactionEnvelope.fromXDR(envelopeXdr, 'base64');
    // The submitter builds v1 envelopes (and records the inner one of a fee bump).
    if (envelope.switch() !== xdr.EnvelopeType.envelopeTypeTx()) return -1;
    operations = envelope.v1().tx().operations();
  } catch {
    return -1;
  }
  return operations.findIndex((op) => {
    const o = Operation.fromXDRObject(op);
    return (
      o.type === 'claimClaimableBalance' && o.balanceId === row.balance_id && o.source === row.account_id
    );
  });
}
