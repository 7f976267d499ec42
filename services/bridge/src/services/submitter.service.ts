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
// - tx_bad_seq: resync the lane's sequence from Horizon and rebuild, within a
//   bound. Timeout / 504 / connection loss: look the transaction up by hash and
//   resubmit the very same envelope until its time bounds expire — never a
//   rebuilt one, so a transaction can never land twice.
// - Every transaction is recorded in sent_transaction before submission.
import { randomUUID } from 'node:crypto';
import {
  Account,
  Horizon,
  Keypair,
  Memo,
  TransactionBuilder,
  type Transaction,
  type xdr,
} from '@stellar/stellar-sdk';
import type { Logger } from '@anchor/support';
import { AppError, UpstreamError } from '@anchor/support';
import { ClaimLostError, type SentTransactionStore } from '../stores/sent-transaction.store.js';
import {
  asRejection,
  codesFromResultXdr,
  horizonStatus,
  HorizonRejection,
  rejectionToAppError,
  type OperationKind,
} from './horizon-errors.js';

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
  server: Horizon.Server;
  networkPassphrase: string;
  store: SentTransactionStore;
  logger: Logger;
  channels?: Keypair[];
  batching?: boolean;
  batchMaxOperations?: number;
  transactionTimeoutSeconds?: number;
  badSeqRetries?: number;
  baseFee?: number;
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

export class TransactionSubmitter {
  private readonly channelGroup?: LaneGroup;
  private readonly payerGroups = new Map<string, LaneGroup>();
  private readonly batchMax: number;
  private readonly timeoutSeconds: number;
  private readonly badSeqRetries: number;
  private readonly baseFee: number;
  private closed = false;
  /** Transactions submitted (for metrics and the benchmark). */
  submitted = 0;

  constructor(private readonly options: SubmitterOptions) {
    this.batchMax = options.batching ? (options.batchMaxOperations ?? 100) : 1;
    this.timeoutSeconds = options.transactionTimeoutSeconds ?? 60;
    this.badSeqRetries = options.badSeqRetries ?? 3;
    this.baseFee = options.baseFee ?? 100;
    if (options.channels && options.channels.length > 0) {
      this.channelGroup = { queue: [], lanes: options.channels.map((keypair) => ({ keypair, busy: false })) };
    }
  }

  get server(): Horizon.Server {
    return this.options.server;
  }

  get networkPassphrase(): string {
    return this.options.networkPassphrase;
  }

  /** Loads an account from Horizon (startup check of base/authorizing/channel accounts). */
  async checkAccount(accountId: string): Promise<void> {
    await this.options.server.loadAccount(accountId);
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
    return this.submitSame(tx, true);
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
      const account = await this.options.server.loadAccount(lane.keypair.publicKey());
      lane.sequence = BigInt(account.sequenceNumber());
    }
    lane.sequence += 1n;
    return lane.sequence;
  }

  private build(lane: Lane, sequence: bigint, batch: QueuedJob[]): Transaction {
    const account = new Account(lane.keypair.publicKey(), (sequence - 1n).toString());
    const now = Math.floor(Date.now() / 1000);
    const builder = new TransactionBuilder(account, {
      fee: String(this.baseFee),
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
      for (let attempt = 0; ; attempt++) {
        const sequence = await this.nextSequence(lane);
        const tx = this.build(lane, sequence, batch);
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
        this.submitted++;
        try {
          const result = await this.submitSame(tx, false);
          await this.options.store.markSuccess(rowId, result.ledger, result.result_xdr);
          batch.forEach((q, i) => q.resolve({ ...result, operationIndex: i }));
          return;
        } catch (err) {
          const rejection = err instanceof HorizonRejection ? err : undefined;
          await this.options.store.markFailure(rowId, rejection?.resultXdr).catch(() => undefined);
          if (!rejection) {
            lane.sequence = undefined;
            throw err;
          }
          const txCode = rejection.codes.transaction;
          if (txCode === 'tx_bad_seq') {
            lane.sequence = undefined;
            if (attempt < this.badSeqRetries) {
              this.options.logger.warn('tx_bad_seq: resynced sequence, rebuilding', {
                source: lane.keypair.publicKey(),
              });
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
        err instanceof HorizonRejection
          ? undefined
          : err instanceof AppError
            ? err
            : new UpstreamError(
                'horizon_unavailable',
                'Horizon could not be reached, please try again.',
                err,
                503,
              );
      batch.forEach((q, i) =>
        q.reject(err instanceof HorizonRejection ? rejectionToAppError(err, q.job.kind, i) : appErr),
      );
    }
  }

  /**
   * Submits `tx`; on a timeout, 504 or lost connection it looks the hash up and
   * resubmits the same envelope until the time bounds have passed.
   * @throws HorizonRejection when Horizon rejected it, UpstreamError when the outcome stays unknown.
   */
  private async submitSame(tx: Transaction, lookupFirst: boolean): Promise<SubmitSuccess> {
    const hash = tx.hash().toString('hex');
    const maxTime = Number(tx.timeBounds?.maxTime ?? 0);
    const envelope = tx.toEnvelope().toXDR('base64');
    let delay = 250;
    if (lookupFirst) {
      const found = await this.lookup(hash);
      if (found) return found;
    }
    for (;;) {
      try {
        const res = await this.options.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
        return {
          hash: res.hash,
          ledger: Number(res.ledger),
          envelope_xdr: res.envelope_xdr ?? envelope,
          result_xdr: res.result_xdr,
          operationIndex: 0,
        };
      } catch (err) {
        const rejection = asRejection(err);
        const status = horizonStatus(err);
        if (rejection && status !== 504) {
          // Resubmitting something that already landed can come back as tx_bad_seq / tx_too_late.
          if (['tx_bad_seq', 'tx_too_late'].includes(rejection.codes.transaction)) {
            const found = await this.lookup(hash).catch(() => undefined);
            if (found) return found;
          }
          throw rejection;
        }
        if (status !== undefined && status !== 504 && status !== 503 && status !== 502 && status !== 429)
          throw err;
        this.options.logger.warn('submission outcome unknown, looking the transaction up', { hash, status });
        const found = await this.lookup(hash).catch(() => undefined);
        if (found) return found;
        if (maxTime > 0 && Date.now() / 1000 > maxTime + 5) {
          throw new UpstreamError(
            'transaction_timeout',
            'The transaction was not included before it expired.',
            err,
            504,
          );
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** The transaction by hash: success, a HorizonRejection for a failed one, undefined when unknown. */
  private async lookup(hash: string): Promise<SubmitSuccess | undefined> {
    try {
      const record = (await this.options.server.transactions().transaction(hash).call()) as unknown as Record<
        string,
        unknown
      >;
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
        ledger: Number(record.ledger_attr ?? record.ledger),
        envelope_xdr: String(record.envelope_xdr ?? ''),
        result_xdr: record.result_xdr as string | undefined,
        operationIndex: 0,
      };
    } catch (err) {
      if (err instanceof HorizonRejection) throw err;
      if (horizonStatus(err) === 404 || (err as { name?: string }).name === 'NotFoundError') return undefined;
      throw err;
    }
  }
}

/** A random id for logs. */
export const newId = () => randomUUID();
