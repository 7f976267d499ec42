// Admin and /reprocess use cases: lists of sent transactions and received
// payments (with their delivery state), one received payment with its
// operation, the manual reprocess of a received payment, and the deliveries by
// state (dead letters, payments below the minimum) with the operator's retry.
import type { StellarNetwork } from '../network/stellar-network.js';
import { AppError, NotFoundError } from '@anchor/support';
import type { DeliveryStatus, ReceivedPaymentStore, OutboxRow } from '../stores/received-payment.store.js';
import type { SentTransactionStore } from '../stores/sent-transaction.store.js';
import type { ClaimableBalanceStore, ClaimableStatus } from '../stores/claimable-balance.store.js';
import type { ClaimableBalanceService } from './claimable-balance.service.js';
import type { DeliveryService } from './delivery.service.js';
import { UNSUPPORTED_PREFIX, recipients } from './incoming-kinds.js';
import type { PaymentListener, PaymentRecord } from './listener.service.js';

export const PAGE_SIZE = 10;

function deliveryView(row: OutboxRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? new Date(row.next_attempt_ms).toISOString() : null,
    last_error: row.last_error,
    delivered_at: row.delivered_at,
  };
}

export class AdminService {
  constructor(
    private readonly deps: {
      network: StellarNetwork;
      sent: SentTransactionStore;
      received: ReceivedPaymentStore;
      delivery: DeliveryService;
      listener?: PaymentListener;
      claimable?: ClaimableBalanceStore;
      claimer?: ClaimableBalanceService;
      complianceUrl?: string;
    },
  ) {}

  async sentTransactions(page: number) {
    return this.deps.sent.list(page, PAGE_SIZE);
  }

  async receivedPayments(page: number) {
    const rows = await this.deps.received.list(page, PAGE_SIZE);
    const deliveries = await this.deps.received.deliveriesFor(rows.map((r) => r.operation_id));
    return rows.map((r) => ({
      ...r,
      deliveries: deliveries.filter((d) => sameOperation(d, r)).map(deliveryView),
    }));
  }

  /** Recorded operations of a kind the bridge does not understand (never delivered on their own). */
  async unsupportedOperations(page: number) {
    return this.deps.received.listByStatus(UNSUPPORTED_PREFIX, page, PAGE_SIZE);
  }

  /** Claimable balances seen for the receiving accounts (and what became of them), newest first. */
  async claimableBalances(status: ClaimableStatus | undefined, page: number) {
    return this.deps.claimable ? this.deps.claimable.list(status, page, PAGE_SIZE) : [];
  }

  /** The operator's claim of one reported balance (see ClaimableBalanceService.claimNow). */
  async claimBalance(balanceId: string) {
    if (!this.deps.claimer) throw new NotFoundError('not_found', 'The listener is off: nothing to claim.');
    return this.deps.claimer.claimNow(balanceId);
  }

  async receivedPayment(id: number) {
    const payment = await this.deps.received.findById(id);
    if (!payment) throw new NotFoundError();
    const deliveries = (await this.deps.received.deliveriesFor([payment.operation_id]))
      .filter((d) => sameOperation(d, payment))
      .map(deliveryView);
    let operation: Record<string, unknown> | null = null;
    let authData: unknown = null;
    try {
      const op = await this.deps.network.operation(payment.operation_id);
      const isMerge = op.type === 'account_merge';
      const account = payment.account_id ?? recipients(op)[0] ?? '';
      const converted = this.deps.listener
        ? await this.deps.listener.convert(op, account).catch(() => undefined)
        : undefined;
      operation = {
        ID: op.id,
        Type: op.type,
        PagingToken: op.paging_token,
        From: converted?.from ?? op.from,
        To: isMerge ? op.into : (op.to ?? account),
        AssetType: isMerge ? 'native' : op.asset_type,
        AssetCode: converted?.asset_code ?? op.asset_code ?? '',
        AssetIssuer: converted?.asset_issuer ?? op.asset_issuer ?? '',
        Amount: converted?.amount ?? op.amount,
        TransactionHash: op.transaction_hash,
        MemoType: converted?.memo_type ?? '',
        Memo: converted?.memo ?? '',
      };
      if (converted?.memo_type === 'hash' && this.deps.complianceUrl) {
        authData = await this.deps.delivery
          .complianceReceive(converted.memo)
          .then((r) => JSON.parse(r.data) as unknown)
          .catch(() => null);
      }
    } catch {
      operation = null;
    }
    return { payment, deliveries, operation, auth_data: authData };
  }

  /** Deliveries in one state, oldest first, with the payment they carry. */
  async deliveries(status: DeliveryStatus, page: number) {
    const rows = await this.deps.received.listDeliveries(status, page, PAGE_SIZE);
    return rows.map((row) => {
      const p = JSON.parse(row.payload) as Record<string, unknown>;
      return {
        ...deliveryView(row),
        account_id: row.account_id,
        operation_id: row.operation_id,
        transaction_id: row.transaction_id,
        payment: {
          from: p.from,
          amount: p.amount,
          asset_code: p.asset_code,
          asset_issuer: p.asset_issuer,
          memo_type: p.memo_type,
          memo: p.memo,
        },
      };
    });
  }

  /** The operator's retry of one delivery: due now, whatever its state, unless delivered. */
  async retryDelivery(id: number) {
    const row = await this.deps.received.findDelivery(id);
    if (!row) throw new NotFoundError();
    if (row.status === 'delivered')
      throw new AppError(
        409,
        'already_delivered',
        'This delivery was acknowledged; use /reprocess with force.',
        {
          data: { name: 'id' },
        },
      );
    await this.deps.received.retryDeliveries({ id });
    this.deps.delivery.notify();
    return deliveryView((await this.deps.received.findDelivery(id)) as OutboxRow);
  }

  /** Retries every delivery in `status` (after the bank fixed what made it refuse them). */
  async retryDeliveries(status: Exclude<DeliveryStatus, 'delivered'>) {
    const retried = await this.deps.received.retryDeliveries({ status });
    this.deps.delivery.notify();
    return { retried };
  }

  listenerState() {
    return [...(this.deps.listener?.states.values() ?? [])];
  }

  /** Legacy /reprocess: 200 {"status":"ok"} or 400 {"status":"error","message"}. */
  async reprocess(
    operationId: string,
    force: boolean,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const fail = (message: string) => ({ status: 400, body: { status: 'error', message } });
    let op: PaymentRecord;
    try {
      op = await this.deps.network.operation(operationId);
    } catch (err) {
      return fail(String((err as Error).message ?? err));
    }
    if (!this.deps.listener)
      throw new AppError(500, 'internal_server_error', 'Internal Server Error, please try again.');
    // The receiving side's record of this operation (the sender's, for a payment between two of
    // our receiving accounts, is an outgoing operation).
    let key: { accountId: string; operationId: string; transactionId: string } | undefined;
    let row;
    for (const accountId of recipients(op)) {
      key = { accountId, operationId, transactionId: String(op.transaction_hash) };
      row = await this.deps.received.find(key);
      if (row) break;
    }
    if (!row || !key) return fail('Payment has not been processed yet');
    if (row.status === 'Success' && !force)
      return fail('Trying to reprocess successful transaction without force');
    let payload;
    try {
      payload = await this.deps.listener.convert(op, key.accountId);
    } catch (err) {
      return fail(String((err as Error).message ?? err));
    }
    await this.deps.received.setStatus(key, 'Reprocessing...');
    const error = await this.deps.delivery.redeliver({
      ...key,
      kind: 'receive',
      payload: JSON.stringify(payload),
    });
    return error ? fail(error) : { status: 200, body: { status: 'ok' } };
  }
}

/** Whether an outbox row belongs to a received_payment row (account, operation id, transaction). */
function sameOperation(
  d: OutboxRow,
  r: { operation_id: string; account_id: string | null; transaction_id: string },
): boolean {
  return (
    d.operation_id === r.operation_id &&
    (r.account_id === null || d.account_id === r.account_id) &&
    (d.transaction_id === null || d.transaction_id === r.transaction_id)
  );
}
