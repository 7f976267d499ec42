// Claimable balances whose claimant is a receiving account: money sent to us that is not ours
// until it is claimed, and that Horizon's /payments never lists (stellar-horizon
// operations_processor.go IsPayment has no create_claimable_balance). For every receiving account
// this process holds the listener lock of, every `claimable_poll_ms` the balances it can claim are
// read (Horizon's /claimable_balances?claimant=) and recorded (GET /admin/claimable-balances).
// With `[listener] claimable_balances = "claim"` and the receiving account's seed at hand, the
// bridge claims each balance of an allowed asset and delivers the claim as a received payment:
// `id` = the claim operation's id, `transaction_id` = the claim's hash, `from` = the balance's
// sponsor (its creator), plus `claimable_balance_id`. Exactly once: the row is `claiming` before the
// claim is submitted; a balance can be claimed only once on the network; the delivery is recorded
// under the claim's (account, operation id, hash) key, which is unique. A balance that disappears
// while `claiming` without a claim of ours known to have landed is `vanished`, for an operator.
import { Memo, Operation, type Keypair } from '@stellar/stellar-sdk';
import { AppError, NotFoundError, type Logger } from '@anchor/support';
import type { StellarNetwork } from '../network/stellar-network.js';
import type { ClaimableBalanceRow, ClaimableBalanceStore } from '../stores/claimable-balance.store.js';
import { STATUS, type ReceivedPaymentStore } from '../stores/received-payment.store.js';
import type { DeliveryPayload } from './delivery.service.js';
import type { AllowedAsset } from './listener.service.js';
import type { SubmitJob, SubmitSuccess } from './submitter.service.js';

export type ClaimPolicy = 'report' | 'claim';

export interface ClaimableBalanceOptions {
  network: StellarNetwork;
  store: ClaimableBalanceStore;
  received: ReceivedPaymentStore;
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
}

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
      // Still there: the claim left by a crash never landed (a balance is claimed only once).
      if (present.has(row.balance_id)) {
        await store.update(row.id, { status: 'reported' }, ['claiming']);
        continue;
      }
      await store.update(row.id, { status: 'vanished', last_error: VANISHED });
      this.options.logger.error('claimable balance vanished while claiming', {
        account,
        balance_id: row.balance_id,
      });
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
      // balance that no longer exists was claimed by someone: `vanished` when it was ours to deliver.
      const codes = (err as { details?: { data?: { result_codes?: { operations?: string[] } } } }).details
        ?.data?.result_codes?.operations;
      const gone = codes?.includes('op_does_not_exist') ?? false;
      await store.update(
        row.id,
        {
          status: gone ? 'vanished' : 'reported',
          last_error: gone ? VANISHED : `claim failed: ${String((err as Error).message ?? err)}`,
        },
        ['claiming'],
      );
      log.warn('claim of a claimable balance failed', { error: String(err), codes });
      return;
    }
    const found = await network.findTransaction(landed.hash);
    if (!found?.toid) throw new Error(`claim ${landed.hash} landed but its transaction cannot be read`);
    const operationId = (BigInt(found.toid) + BigInt(landed.operationIndex) + 1n).toString();
    const native = row.asset_code === 'XLM' && row.asset_issuer === '';
    const payload: DeliveryPayload = {
      id: operationId,
      from: row.sponsor,
      amount: row.amount,
      asset_code: native ? '' : row.asset_code,
      asset_issuer: row.asset_issuer,
      memo_type: 'none',
      memo: '',
      transaction_id: landed.hash,
      claimable_balance_id: row.balance_id,
    };
    await this.options.received.record({
      accountId: row.account_id,
      operationId,
      pagingToken: operationId,
      transactionId: landed.hash,
      status: STATUS.queued,
      deliveries: [{ kind: 'receive', payload: JSON.stringify(payload) }],
      // A claim is not read from the payments stream: the listener's cursor stays where it is.
      keepCursor: true,
    });
    await store.update(row.id, { status: 'claimed', claim_hash: landed.hash, operation_id: operationId });
    log.info('claimable balance claimed; delivery queued', { operation_id: operationId, hash: landed.hash });
    this.options.notify();
  }
}
