// The transaction submitter: the only code that signs and submits.
//
// - Lanes: each lane is one transaction source account with its own sequence
//   counter and at most one transaction in flight (a Stellar network takes one
//   transaction per source account per ledger). Without channel accounts the
//   paying account is its own lane; with channels, every channel is a lane
//   shared by all paying accounts (tx source = channel, operation source =
//   paying account, both sign).
// - Batching: a lane takes up to `batchMaxOperations` queued operations that
//   share a memo-less transaction (payments with a memo travel alone).
// - tx_bad_seq on a first submission: resync the lane's sequence from Horizon
//   and rebuild, within a bound. Once an outcome is unknown (timeout / 504 /
//   connection loss / unreachable Horizon): look the transaction up by hash and
//   resubmit the very same envelope — even after a tx_bad_seq, which may mean it
//   already landed — until Horizon shows it, or a ledger closed (by Horizon's
//   closed_at) after its maxTime and it is still absent. Only then is a rebuild
//   safe, so a payment can never land twice.
// - Every transaction is recorded in sent_transaction before submission.
import { randomUUID } from 'node:crypto';
import {
  Account,
  Keypair,
  Memo,
  TransactionBuilder,
  xdr,
  type FeeBumpTransaction,
  type Transaction,
} from '@stellar/stellar-sdk';
import type { Logger } from '@anchor/support';
import { AppError, UpstreamError } from '@anchor/support';
import {
  ClaimLostError,
  DuplicateEnvelopeError,
  type SentTransactionStore,
} from '../stores/sent-transaction.store.js';
import {
  asRejection,
  codesFromResultXdr,
  horizonStatus,
  HorizonRejection,
  isNotFound,
  rejectionToAppError,
  type OperationKind,
} from './horizon-errors.js';
import type { StellarNetwork } from '../network/stellar-network.js';
import type { FeeBidder } from './fee-bidder.js';

export interface SubmitJob {
  /** Operation with its source already set to the paying account. */
  operation: xdr.Operation;
  kind: OperationKind;
  memo: Memo;
  /** Paying account (operation source); signs the transaction. */
  signer: Keypair;
  paymentId?: string;
  /** The database claim of `paymentId`; recording the transaction requires it to be still ours. */
  claimToken?: string;
}

export interface SubmitSuccess {
  hash: string;
  ledger: number;
  envelope_xdr: string;
  result_xdr?: string;
  operationIndex: number;
}

export interface SubmitterOptions {
  network: StellarNetwork;
  networkPassphrase: string;
  store: SentTransactionStore;
  logger: Logger;
  channels?: Keypair[];
  batching?: boolean;
  batchMaxOperations?: number;
  transactionTimeoutSeconds?: number;
  badSeqRetries?: number;
  /**
   * Rebuilds of an envelope superseded while its source was busy with another transaction (see
   * EnvelopeExpired); counted apart from badSeqRetries, whose budget such a wait does not use.
   */
  busySourceRebuilds?: number;
  baseFee?: number;
  /** Bids from fee stats, raises them after tx_insufficient_fee, bumps stuck transactions. */
  fees?: FeeBidder;
  /** Ledgers an envelope may wait unincluded (its outcome unknown) before it is fee-bumped. */
  bumpAfterLedgers?: number;
}

interface QueuedJob {
  job: SubmitJob;
  resolve(result: SubmitSuccess): void;
  reject(err: unknown): void;
}

interface Lane {
  keypair: Keypair;
  /** Last used sequence number; undefined = load from Horizon. */
  sequence?: bigint;
  busy: boolean;
}

interface LaneGroup {
  queue: QueuedJob[];
  lanes: Lane[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Identical envelopes met (another writer holds each sequence tried) before giving up. */
const MAX_DUPLICATE_REBUILDS = 20;
/** A little over two of the network's 5 s ledgers; then the rebuild goes ahead anyway. */
const NEXT_LEDGER_WAIT_MS = 12_000;
const NEXT_LEDGER_POLL_MS = 200;

/**
 * An envelope whose outcome was unknown is proven never to land: `expired` (a ledger closed after
 * its maxTime and it is not on the ledger) or `superseded` (its source's sequence number moved
 * past it and it is not on the ledger: another transaction of the same source took that number,
 * e.g. one that was pending when ours was refused with TRY_AGAIN_LATER).
 */
export class EnvelopeExpired extends Error {
  constructor(
    readonly hash: string,
    readonly reason: 'expired' | 'superseded' = 'expired',
  ) {
    super(
      `transaction ${hash} ${reason === 'expired' ? 'expired' : 'lost its sequence number'} without landing`,
    );
    this.name = 'EnvelopeExpired';
  }
}

/** Statuses after which the outcome of a submission is unknown (see submitSame). */
const UNKNOWN_OUTCOME_STATUSES = [502, 503, 504, 429];

/**
 * A failure that is not a rejection with result codes. Horizon unreachable (no answer, or a
 * 502/503/504/429) → 503 horizon_unavailable; Horizon answered with any other status (a 400
 * transaction_malformed, a 500) → it reached Horizon and was refused for good, so "could not be
 * reached, try again" would be wrong: 500 internal_server_error (legacy-reference §2.5.7, A-3).
 */
function unexpectedError(err: unknown): AppError {
  const status = horizonStatus(err);
  if (status !== undefined && !UNKNOWN_OUTCOME_STATUSES.includes(status))
    return new AppError(500, 'internal_server_error', 'Internal Server Error, please try again.', {
      cause: err,
    });
  return new UpstreamError(
    'horizon_unavailable',
    'Horizon could not be reached, please try again.',
    err,
    503,
  );
}

/**
 * The code that says what happened: a fee bump's own code only says its inner transaction failed
 * (tx_fee_bump_inner_failed); the inner's code (tx_failed, tx_bad_seq, …) is the verdict.
 */
export function verdictCode(codes: { transaction: string; inner_transaction?: string }): string {
  return codes.transaction === 'tx_fee_bump_inner_failed'
    ? (codes.inner_transaction ?? codes.transaction)
    : codes.transaction;
}

/** The network wants more per operation than `[fees] max_fee` allows. */
const feeCapError = (maxFee: number, required: number | undefined, err: unknown) =>
  new AppError(
    503,
    'fee_cap_reached',
    'The network asks a higher fee than fees.max_fee allows; nothing was paid. Try again later.',
    {
      data: { max_fee: String(maxFee), ...(required ? { required_fee: String(required) } : {}) },
      cause: err,
    },
  );

/** The fee per operation a refused transaction's result says it would have needed. */
function requiredRate(rejection: HorizonRejection, operations: number): number | undefined {
  try {
    const charged = Number(
      xdr.TransactionResult.fromXDR(rejection.resultXdr ?? '', 'base64')
        .feeCharged()
        .toString(),
    );
    return charged > 0 ? Math.ceil(charged / operations) : undefined;
  } catch {
    return undefined;
  }
}

const expiredError = (err: unknown) =>
  new UpstreamError('transaction_timeout', 'The transaction was not included before it expired.', err, 504);

export class TransactionSubmitter {
  private readonly channelGroup?: LaneGroup;
  private readonly payerGroups = new Map<string, LaneGroup>();
  private readonly batchMax: number;
  private readonly timeoutSeconds: number;
  private readonly badSeqRetries: number;
  private readonly busySourceRebuilds: number;
  private readonly baseFee: number;
  private closed = false;
  /** Transactions submitted (for metrics and the benchmark). */
  submitted = 0;

  constructor(private readonly options: SubmitterOptions) {
    this.batchMax = options.batching ? (options.batchMaxOperations ?? 100) : 1;
    this.timeoutSeconds = options.transactionTimeoutSeconds ?? 60;
    this.badSeqRetries = options.badSeqRetries ?? 3;
    this.busySourceRebuilds = options.busySourceRebuilds ?? 10;
    this.baseFee = options.baseFee ?? 100;
    if (options.channels && options.channels.length > 0) {
      this.channelGroup = { queue: [], lanes: options.channels.map((keypair) => ({ keypair, busy: false })) };
    }
  }

  get network(): StellarNetwork {
    return this.options.network;
  }

  get networkPassphrase(): string {
    return this.options.networkPassphrase;
  }

  /** Loads an account from Horizon (startup check of base/authorizing/channel accounts). */
  async checkAccount(accountId: string): Promise<void> {
    await this.options.network.loadAccount(accountId);
  }

  /** Queues one operation; resolves when its transaction is in a ledger. */
  submit(job: SubmitJob): Promise<SubmitSuccess> {
    if (this.closed)
      return Promise.reject(new AppError(503, 'shutting_down', 'The bridge is shutting down.'));
    return new Promise((resolve, reject) => {
      const group = this.groupFor(job.signer);
      group.queue.push({ job, resolve, reject });
      this.pump(group);
    });
  }

  /**
   * Submits an already signed envelope again (payment `id` replay), after looking
   * it up by hash: an envelope that already landed is never sent twice.
   */
  async resubmitEnvelope(envelopeXdr: string): Promise<SubmitSuccess> {
    const tx = TransactionBuilder.fromXDR(envelopeXdr, this.options.networkPassphrase) as Transaction;
    try {
      return await this.submitSame(tx, true);
    } catch (err) {
      if (err instanceof EnvelopeExpired) throw expiredError(err);
      throw err;
    }
  }

  close(): void {
    this.closed = true;
  }

  private groupFor(signer: Keypair): LaneGroup {
    if (this.channelGroup) return this.channelGroup;
    const key = signer.publicKey();
    let group = this.payerGroups.get(key);
    if (!group) {
      group = { queue: [], lanes: [{ keypair: signer, busy: false }] };
      this.payerGroups.set(key, group);
    }
    return group;
  }

  private pump(group: LaneGroup): void {
    for (const lane of group.lanes) {
      if (group.queue.length === 0) return;
      if (lane.busy) continue;
      const batch = this.takeBatch(group.queue);
      lane.busy = true;
      void this.runBatch(group, lane, batch).finally(() => {
        lane.busy = false;
        this.pump(group);
      });
    }
  }

  private takeBatch(queue: QueuedJob[]): QueuedJob[] {
    const first = queue.shift() as QueuedJob;
    const batch = [first];
    if (this.batchMax === 1 || first.job.memo.type !== 'none') return batch;
    const signers = new Set([first.job.signer.publicKey()]);
    for (let i = 0; i < queue.length && batch.length < this.batchMax;) {
      const candidate = queue[i] as QueuedJob;
      const newSigner = !signers.has(candidate.job.signer.publicKey());
      if (candidate.job.memo.type === 'none' && (!newSigner || signers.size < 19)) {
        batch.push(candidate);
        signers.add(candidate.job.signer.publicKey());
        queue.splice(i, 1);
      } else {
        i++;
      }
    }
    return batch;
  }

  private async nextSequence(lane: Lane): Promise<bigint> {
    if (lane.sequence === undefined) {
      const account = await this.options.network
        .loadAccount(lane.keypair.publicKey())
        .catch((err: unknown) => {
          // Retrying cannot help a source account that does not exist: say so (as Horizon's
          // tx_no_source_account would), not "Horizon could not be reached".
          if (isNotFound(err)) throw new AppError(400, 'transaction_no_account', 'Source account not found.');
          throw err;
        });
      lane.sequence = BigInt(account.sequence);
    }
    lane.sequence += 1n;
    return lane.sequence;
  }

  private build(lane: Lane, sequence: bigint, batch: QueuedJob[], feePerOp: number): Transaction {
    const account = new Account(lane.keypair.publicKey(), (sequence - 1n).toString());
    const now = Math.floor(Date.now() / 1000);
    const builder = new TransactionBuilder(account, {
      fee: String(feePerOp),
      networkPassphrase: this.options.networkPassphrase,
      timebounds: { minTime: 0, maxTime: now + this.timeoutSeconds },
      memo: (batch[0] as QueuedJob).job.memo,
    });
    for (const { job } of batch) builder.addOperation(job.operation);
    const tx = builder.build();
    const signers = new Map<string, Keypair>([[lane.keypair.publicKey(), lane.keypair]]);
    for (const { job } of batch) signers.set(job.signer.publicKey(), job.signer);
    for (const kp of signers.values()) tx.sign(kp);
    return tx;
  }

  private async runBatch(group: LaneGroup, lane: Lane, batch: QueuedJob[]): Promise<void> {
    try {
      // Separate budgets: a rebuild for one reason does not use up another's.
      let rebuilds = 0;
      let busyRebuilds = 0;
      let duplicates = 0;
      let feePerOp = this.options.fees ? await this.options.fees.bid() : this.baseFee;
      for (;;) {
        const sequence = await this.nextSequence(lane);
        const tx = this.build(lane, sequence, batch, feePerOp);
        const envelopeXdr = tx.toEnvelope().toXDR('base64');
        const rowId = await this.options.store
          .insert({
            transactionId: tx.hash().toString('hex'),
            source: lane.keypair.publicKey(),
            envelopeXdr,
            operationCount: batch.length,
            payments: batch.flatMap((q, i) =>
              q.job.paymentId && q.job.claimToken
                ? [{ paymentId: q.job.paymentId, operationIndex: i, claimToken: q.job.claimToken }]
                : [],
            ),
          })
          .catch((err: unknown) => {
            if (err instanceof DuplicateEnvelopeError && duplicates < MAX_DUPLICATE_REBUILDS)
              return 'duplicate' as const;
            if (!(err instanceof ClaimLostError)) throw err;
            // Nothing was recorded or submitted. Payments whose id claim was taken over fail
            // (their request waits for the new claimant); the others go back to the queue.
            const lost = new Set(err.paymentIds);
            const keep: QueuedJob[] = [];
            for (const q of batch) {
              if (q.job.paymentId && lost.has(q.job.paymentId)) q.reject(err);
              else keep.push(q);
            }
            group.queue.unshift(...keep);
            return undefined;
          });
        if (rowId === undefined) {
          lane.sequence = undefined;
          return;
        }
        if (rowId === 'duplicate') {
          // Another replica built the identical envelope with this sequence number and is sending
          // it. The source can have one transaction queued at a time, so the next number is
          // refused (TRY_AGAIN_LATER) until that one's ledger closes: wait for it, then re-read.
          duplicates++;
          this.options.logger.warn(
            'identical envelope already recorded by another writer; waiting a ledger',
            {
              source: lane.keypair.publicKey(),
            },
          );
          lane.sequence = undefined;
          await this.nextLedger();
          continue;
        }
        this.submitted++;
        try {
          const result = await this.submitSame(tx, false, lane.keypair);
          await this.options.store.markSuccess(rowId, result.ledger, result.result_xdr);
          batch.forEach((q, i) => q.resolve({ ...result, operationIndex: i }));
          return;
        } catch (err) {
          const rejection = err instanceof HorizonRejection ? err : undefined;
          await this.options.store.markFailure(rowId, rejection?.resultXdr).catch(() => undefined);
          if (err instanceof EnvelopeExpired) {
            // Proven never to land (expired by Horizon's ledger close time, or its sequence number
            // taken by another transaction, and not found): rebuild.
            lane.sequence = undefined;
            if (err.reason === 'superseded' && busyRebuilds < this.busySourceRebuilds) {
              busyRebuilds++;
              this.options.logger.warn('source was busy and its sequence moved on; rebuilding', {
                hash: err.hash,
                source: lane.keypair.publicKey(),
              });
              continue;
            }
            if (rebuilds < this.badSeqRetries) {
              rebuilds++;
              this.options.logger.warn('transaction expired without landing; rebuilding', { hash: err.hash });
              continue;
            }
            throw expiredError(err);
          }
          if (!rejection) {
            lane.sequence = undefined;
            throw err;
          }
          const txCode = verdictCode(rejection.codes);
          if (txCode === 'tx_insufficient_fee' && this.options.fees) {
            // Refused, so never queued: rebuild with a higher bid, under the cap.
            lane.sequence = undefined;
            const required = requiredRate(rejection, tx.operations.length);
            const next = this.options.fees.raise(feePerOp, required);
            if (next === undefined) throw feeCapError(this.options.fees.maxFee, required, rejection);
            this.options.logger.warn('tx_insufficient_fee: bidding higher', { fee: feePerOp, next });
            feePerOp = next;
            continue;
          }
          if (txCode === 'tx_bad_seq') {
            lane.sequence = undefined;
            if (rebuilds < this.badSeqRetries) {
              rebuilds++;
              // Another writer moved the sequence, or holds the number before ours in the queue;
              // read straight away, Horizon's account can still show the number just refused.
              // After the next ledger it shows where that writer's transaction left it.
              this.options.logger.warn('tx_bad_seq: resyncing the sequence after the next ledger', {
                source: lane.keypair.publicKey(),
              });
              await this.nextLedger();
              continue;
            }
            throw rejection;
          }
          if (txCode !== 'tx_failed') lane.sequence = undefined;
          if (txCode === 'tx_failed' && batch.length > 1) {
            // Only the failing operations fail; the others go back to the front of the queue.
            const ops = rejection.codes.operations ?? [];
            const retry: QueuedJob[] = [];
            batch.forEach((q, i) => {
              if ((ops[i] ?? 'op_success') === 'op_success') retry.push(q);
              else q.reject(rejectionToAppError(rejection, q.job.kind, i));
            });
            group.queue.unshift(...retry);
            return;
          }
          batch.forEach((q, i) => q.reject(rejectionToAppError(rejection, q.job.kind, i)));
          return;
        }
      }
    } catch (err) {
      // Whatever failed, the next transaction of this lane re-reads its sequence.
      lane.sequence = undefined;
      this.options.logger.warn('batch failed', { error: String(err) });
      const appErr =
        err instanceof HorizonRejection ? undefined : err instanceof AppError ? err : unexpectedError(err);
      batch.forEach((q, i) =>
        q.reject(err instanceof HorizonRejection ? rejectionToAppError(err, q.job.kind, i) : appErr),
      );
    }
  }

  /**
   * Submits `tx`. Once its outcome is unknown (timeout, 502/503/504/429, lost connection, an
   * unreachable Horizon) the SAME envelope is looked up by hash and resubmitted until Horizon
   * shows it, or a ledger closing after its maxTime is on Horizon (Horizon's `closed_at`, not the
   * local clock) and it is still not found: only then can it never land, and EnvelopeExpired says
   * it is safe to rebuild. A later tx_bad_seq / tx_too_late of that envelope is not a verdict (it
   * may have landed while the lookup lags): it is resolved the same way. A lookup error means
   * "unknown", never "absent".
   * With `feeSource` (the lane's account), an envelope still not in a ledger `bumpAfterLedgers`
   * ledgers after it was first sent is wrapped in a fee bump (signed by `feeSource`) at a higher
   * rate: a fee bump carries the same inner transaction, so whichever lands, it lands once, under
   * the inner hash that is resolved and returned. A refused bump leaves the envelope as it was.
   * @throws HorizonRejection when Horizon rejected it, EnvelopeExpired (see above).
   */
  private async submitSame(
    tx: Transaction,
    lookupFirst: boolean,
    feeSource?: Keypair,
  ): Promise<SubmitSuccess> {
    const hash = tx.hash().toString('hex');
    const maxTime = Number(tx.timeBounds?.maxTime ?? 0);
    const envelope = tx.toEnvelope().toXDR('base64');
    let delay = 250;
    // A replayed envelope may have been submitted before: its outcome is unknown from the start.
    let unknown = lookupFirst;
    let current: Transaction | FeeBumpTransaction = tx;
    let currentRate = Number(tx.fee) / Math.max(1, tx.operations.length);
    const bumps: string[] = [];
    // The ledger it was first sent in (or last bumped in): its wait is counted from there.
    let waitingSince = feeSource && this.options.fees ? this.ledgerNow() : undefined;
    for (;;) {
      if (unknown) {
        const resolved = await this.resolveUnknown(tx, maxTime, bumps);
        if (resolved === 'expired' || resolved === 'superseded') throw new EnvelopeExpired(hash, resolved);
        if (resolved) return resolved;
        const bump =
          feeSource && waitingSince
            ? await this.bumpIfStuck(tx, currentRate, feeSource, await waitingSince)
            : undefined;
        if (bump) {
          waitingSince = Promise.resolve(bump.ledger);
          this.options.logger.warn('transaction stuck unincluded; fee-bumping it', {
            hash,
            bump: bump.hash,
            rate: bump.rate,
          });
          current = bump.tx;
          currentRate = bump.rate;
          bumps.push(bump.hash);
          this.submitted++;
        }
      }
      try {
        const res = await this.options.network.submit(current);
        return { ...res, hash, envelope_xdr: res.envelope_xdr || envelope, operationIndex: 0 };
      } catch (err) {
        const rejection = asRejection(err);
        const status = horizonStatus(err);
        if (rejection && status !== 504 && current !== tx && !rejection.codes.inner_transaction) {
          // The bump itself was refused (its fee, its fee source): the inner envelope stands.
          this.options.logger.warn('fee bump refused; resending the transaction as it was', {
            hash,
            code: rejection.codes.transaction,
          });
          current = tx;
          currentRate = Number(tx.fee) / Math.max(1, tx.operations.length);
        } else if (rejection && status !== 504) {
          // After an unknown outcome, tx_bad_seq / tx_too_late can mean "it already landed":
          // resolve by hash and ledger close time, never rebuild on it.
          if (unknown && ['tx_bad_seq', 'tx_too_late'].includes(verdictCode(rejection.codes))) {
            this.options.logger.warn('resubmission rejected after an unknown outcome; resolving by hash', {
              hash,
              code: rejection.codes.transaction,
            });
          } else {
            throw rejection;
          }
        } else if (status !== undefined && !UNKNOWN_OUTCOME_STATUSES.includes(status)) {
          throw err;
        } else {
          this.options.logger.warn('submission outcome unknown, looking the transaction up', {
            hash,
            status,
          });
        }
        unknown = true;
        if (this.closed) {
          throw new UpstreamError(
            'horizon_unavailable',
            'The outcome of the transaction is not known yet; repeat the request with the same id.',
            err,
            503,
          );
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /**
   * For an envelope whose outcome is unknown: the transaction when the network has it, 'expired'
   * when a ledger closed after `maxTime` is on the network and the transaction is still not
   * found, 'superseded' when the network shows another transaction that used the envelope's
   * sequence number (a number is used once), undefined while it cannot be told (not found yet,
   * or the network unreachable).
   */
  private async resolveUnknown(
    tx: Transaction,
    maxTime: number,
    bumps: string[] = [],
  ): Promise<SubmitSuccess | 'expired' | 'superseded' | undefined> {
    const hash = tx.hash().toString('hex');
    try {
      // The close time first: a lookup answered after it covers every ledger the envelope could be in.
      const past = maxTime > 0 ? await this.ledgerClosedAfter(maxTime) : false;
      // By the inner hash (Horizon finds a fee bump by it), and by each bump's own hash.
      for (const h of [hash, ...bumps]) {
        const found = await this.lookup(h);
        if (found) return { ...found, hash };
      }
      if (past) return 'expired';
      const user = await this.options.network.sequenceUsedBy(tx.source, tx.sequence, hash);
      return user === 'other' ? 'superseded' : undefined;
    } catch (err) {
      if (err instanceof HorizonRejection) throw err;
      this.options.logger.warn('transaction lookup failed; outcome still unknown', {
        hash,
        error: String(err),
      });
      return undefined;
    }
  }

  /**
   * Waits until a ledger after the latest one has closed (bounded by NEXT_LEDGER_WAIT_MS, and
   * cut short on close): what a source account's sequence, and so a rebuild, can move on by.
   */
  private async nextLedger(): Promise<void> {
    const start = await this.ledgerNow();
    const deadline = Date.now() + NEXT_LEDGER_WAIT_MS;
    while (!this.closed && Date.now() < deadline) {
      await sleep(NEXT_LEDGER_POLL_MS);
      const now = await this.ledgerNow();
      if (start === undefined || (now !== undefined && now > start)) return;
    }
  }

  /** The latest ledger's sequence, or undefined when the network does not answer. */
  private ledgerNow(): Promise<number | undefined> {
    return this.options.network
      .latestLedger()
      .then((l) => l.sequence)
      .catch(() => undefined);
  }

  /**
   * A fee bump of `tx` when it has waited unincluded for `bumpAfterLedgers` ledgers since ledger
   * `since` and the fee cap allows outbidding its current rate.
   */
  private async bumpIfStuck(
    tx: Transaction,
    currentRate: number,
    feeSource: Keypair,
    since: number | undefined,
  ): Promise<{ tx: FeeBumpTransaction; hash: string; rate: number; ledger: number } | undefined> {
    const fees = this.options.fees;
    const now = await this.ledgerNow();
    if (!fees || since === undefined || now === undefined) return undefined;
    if (now - since < (this.options.bumpAfterLedgers ?? 2)) return undefined;
    const rate = await fees.bumpRate(currentRate);
    if (rate === undefined) return undefined;
    const bump = TransactionBuilder.buildFeeBumpTransaction(
      feeSource,
      String(rate),
      tx,
      this.options.networkPassphrase,
    );
    bump.sign(feeSource);
    return { tx: bump, hash: bump.hash().toString('hex'), rate, ledger: now };
  }

  /** Whether Horizon's latest ledger closed after `unixSeconds` (Horizon's clock, not ours). */
  private async ledgerClosedAfter(unixSeconds: number): Promise<boolean> {
    const { closedAt } = await this.options.network.latestLedger();
    return Number.isFinite(closedAt) && closedAt > unixSeconds;
  }

  /** The transaction by hash: success, a HorizonRejection for a failed one, undefined when unknown. */
  private async lookup(hash: string): Promise<SubmitSuccess | undefined> {
    try {
      const record = await this.options.network.findTransaction(hash);
      if (!record) return undefined;
      if (record.successful === false) {
        const resultXdr = String(record.result_xdr ?? '');
        throw new HorizonRejection(
          codesFromResultXdr(resultXdr) ?? { transaction: 'tx_failed' },
          resultXdr,
          400,
        );
      }
      return {
        hash,
        ledger: record.ledger,
        envelope_xdr: record.envelope_xdr,
        result_xdr: record.result_xdr,
        operationIndex: 0,
      };
    } catch (err) {
      if (err instanceof HorizonRejection) throw err;
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

/** A random id for logs. */
export const newId = () => randomUUID();
