// The bridge's receive and error callbacks, and the SEP-4 delivery state of a
// payment. A payment (bridge id, transaction id) is credited at most once (see
// payments.store.ts: operation ids repeat after a network reset); an
// unknown route is recorded and answered 404 so that the bridge retries it and
// shows it, and it is credited on the first delivery after the route exists.
import { AppError } from '@anchor/support';
import type { CustomersStore } from '../stores/customers.store.js';
import type {
  CreditOutcome,
  IncomingPaymentFields,
  PaymentsStore,
  RejectedPaymentFields,
} from '../stores/payments.store.js';

export class UnknownRouteError extends AppError {
  constructor(route: string) {
    super(404, 'unknown_route', 'No customer has this route; the payment is recorded and not credited.', {
      data: { route },
    });
  }
}

export interface ReceiveResult {
  outcome: CreditOutcome;
  customer: string;
}

/** SEP-4 transaction status. */
export interface TxStatus {
  status: 'unknown' | 'pending' | 'delivered' | 'failed';
  msg?: string;
}

export class CreditingService {
  constructor(
    private readonly customers: CustomersStore,
    private readonly payments: PaymentsStore,
  ) {}

  /** @throws UnknownRouteError (404) when no customer has the payment's route. */
  async receive(payment: IncomingPaymentFields): Promise<ReceiveResult> {
    const customer = payment.route ? await this.customers.byRoute(payment.route) : undefined;
    if (!customer) {
      await this.payments.recordUnrouted(payment);
      throw new UnknownRouteError(payment.route);
    }
    const outcome = await this.payments.credit(payment, customer.id);
    return { outcome, customer: `${customer.name}*${customer.domain}` };
  }

  /** Records a payment the bridge rejected. True on its first delivery. */
  recordRejected(payment: RejectedPaymentFields): Promise<boolean> {
    return this.payments.recordRejected(payment);
  }

  /** Where the payments of transaction `transactionId` stand, for the sending bank (SEP-4). */
  async txStatus(transactionId: string): Promise<TxStatus> {
    const { incoming, rejected } = await this.payments.byTransaction(transactionId);
    if (incoming.some((p) => p.status === 'unrouted'))
      return { status: 'pending', msg: 'received; waiting for the recipient account to be identified' };
    if (incoming.length > 0) return { status: 'delivered', msg: "credited to the recipient's account" };
    if (rejected.length > 0) return { status: 'failed', msg: rejected[0]?.reason || 'rejected by the bank' };
    return { status: 'unknown' };
  }
}
