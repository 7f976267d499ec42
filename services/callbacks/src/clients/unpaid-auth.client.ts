// This bank's compliance server as the console sees it: its internal port's
// GET /unpaid_auth, the authorizations no payment followed (issue 13 #6), so an
// operator sees who asks about our customers and never pays.
import type { AxiosInstance } from 'axios';
import { describeHttpFailure } from '@anchor/support';

export interface UnpaidAuthSummary {
  older_than_seconds: number;
  total: number;
  sender_domains: { sender_domain: string; unpaid: number }[];
}

export class UnpaidAuthClient {
  constructor(
    private readonly http: AxiosInstance,
    /** Compliance's internal base URL, e.g. `http://compliance-internal:8004`. */
    private readonly baseUrl: string,
  ) {}

  /** @throws Error with a short reason when compliance does not answer as documented */
  async summary(): Promise<UnpaidAuthSummary> {
    let status: number;
    let data: unknown;
    try {
      ({ status, data } = await this.http.get(new URL('/unpaid_auth', this.baseUrl).toString()));
    } catch (err) {
      throw new Error(describeHttpFailure(err));
    }
    if (status !== 200) throw new Error(`answered HTTP ${status}`);
    const summary = data as Partial<UnpaidAuthSummary> | undefined;
    if (typeof summary?.total !== 'number' || !Array.isArray(summary.sender_domains))
      throw new Error('answer is not an unpaid_auth summary');
    return summary as UnpaidAuthSummary;
  }
}
