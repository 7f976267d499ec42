// `POST /receive` (internal): the bridge's payment listener saw a payment whose
// hash memo it asks us about; we answer with the auth data we authorized for it.
import { TransactionNotFoundError } from '../errors.js';
import type { ComplianceStore } from '../stores/compliance.store.js';

export class ReceiveService {
  constructor(
    private readonly store: ComplianceStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * @param memo the base64 memo hash as Horizon reports it
   * @returns the raw AuthData JSON the sender signed
   * @throws TransactionNotFoundError
   */
  async receive(memo: string): Promise<string> {
    const row = await this.store.findAuthorizedTransactionByMemo(memo);
    if (!row) throw new TransactionNotFoundError();
    // The payment came: this authorization no longer counts as unpaid.
    await this.store.markReceived(memo, this.now());
    return row.data;
  }
}
