// The ask_user callback: may we tell the sending bank who our customer is?
// `public` customers: yes. `allowed_only` customers: yes when the sending
// institution (or that user of it) is on their allow list; otherwise an
// approval request is recorded and the answer is pending until the customer
// (through the operator console) approves or denies it. The request is
// identified by everything the compliance server sends, so its retries of the
// same payment find the same request and get the decision.
import { createHash } from 'node:crypto';
import { InvalidParameterError } from '@anchor/support';
import type { ApprovalRequest, ApprovalsStore } from '../stores/approvals.store.js';
import type { CustomersStore } from '../stores/customers.store.js';
import { senderNames, type ComplianceAnswer, type SenderInfo } from './compliance-answer.js';
import { toStellarAddress, type AssetKey } from './validation.js';

export interface AskUserRequest {
  /** Our customer's route (the attachment's route). */
  route: string;
  /** The sender's stellar address, when the compliance server passes it. */
  senderAddress: string;
  /** sender_info exactly as received (JSON text) and parsed. */
  senderJson: string;
  senderInfo: SenderInfo;
  amount: string;
  asset: AssetKey | undefined;
  note: string;
}

export class ApprovalsService {
  constructor(
    private readonly customers: CustomersStore,
    private readonly approvals: ApprovalsStore,
    private readonly pendingSeconds: number,
  ) {}

  /** @throws InvalidParameterError (`route`) when no customer has the route. */
  async askUser(request: AskUserRequest): Promise<ComplianceAnswer> {
    const customer = await this.customers.byRoute(request.route);
    if (!customer) throw new InvalidParameterError('route', 'No customer has this route.');
    if (customer.disclosure === 'public') return { status: 'ok' };

    const sender = request.senderAddress ? toStellarAddress(request.senderAddress) : undefined;
    if (sender) {
      const allowed = await this.customers.allowedSenders(customer.id);
      const onList = allowed.some(
        (a) => a.fi_domain === sender.domain && (a.user_name === '' || a.user_name === sender.name),
      );
      if (onList) return { status: 'ok' };
    }

    const requestKey = createHash('sha256')
      .update(
        JSON.stringify([
          customer.id,
          request.senderAddress,
          request.senderJson,
          request.amount,
          request.asset?.code ?? '',
          request.asset?.issuer ?? '',
          request.note,
        ]),
      )
      .digest('hex');
    const approval = await this.approvals.findOrCreate({
      request_key: requestKey,
      customer_id: customer.id,
      sender_address: request.senderAddress.slice(0, 320),
      sender_name: (senderNames(request.senderInfo)[0] ?? '').slice(0, 255),
      sender_info: request.senderJson,
      amount: request.amount,
      asset_code: request.asset?.code ?? '',
      asset_issuer: request.asset?.issuer ?? '',
      note: request.note,
    });
    if (approval.status === 'approved') return { status: 'ok' };
    if (approval.status === 'denied') return { status: 'denied' };
    return { status: 'pending', pending: this.pendingSeconds };
  }

  decide(id: number, decision: 'approved' | 'denied'): Promise<boolean> {
    return this.approvals.decide(id, decision);
  }

  pending(limit = 200): Promise<ApprovalRequest[]> {
    return this.approvals.list('pending', limit);
  }

  decided(limit = 50): Promise<ApprovalRequest[]> {
    return this.approvals.list('decided', limit);
  }

  countPending(): Promise<number> {
    return this.approvals.countPending();
  }
}
