// The SEP-2 lookup: which account (and memo) a stellar address, account id or
// forward request stands for, with the legacy server's status codes and order
// of checks (reference §4.2).
import { parseStellarAddress } from '@anchor/protocol';
import { AppError, translateDatabaseError } from '@anchor/support';
import type { AccountStore, FederationRecord } from '../stores/account.store.js';

export interface FederationRequest {
  type?: string;
  q?: string;
  /** Every query-string parameter, for forward lookups. */
  parameters: Record<string, string>;
}

/** The JSON a federation server answers with. */
export interface FederationResponse {
  stellar_address?: string;
  account_id?: string;
  memo_type?: string;
  memo?: string;
}

const invalidRequest = (message: string) => new AppError(400, 'invalid_request', message);
const notImplemented = (what: string) =>
  new AppError(501, 'not_implemented', `${what} type queries are not supported`);
const notFound = () => new AppError(404, 'not_found', 'Account not found');

export class FederationService {
  constructor(private readonly accounts: AccountStore) {}

  /** @throws AppError with the SEP-2 status for every failure. */
  async lookup(request: FederationRequest): Promise<FederationResponse> {
    const { type, q = '' } = request;
    if (type !== 'forward' && q === '') throw invalidRequest('q parameter is blank');
    try {
      switch (type) {
        case 'name':
          return await this.byName(q);
        case 'id':
          return await this.byAccountId(q);
        case 'forward':
          return await this.byForward(request.parameters);
        case 'txid':
          throw notImplemented('txid');
        default:
          throw invalidRequest(`invalid type: '${type ?? ''}'`);
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      return translateDatabaseError(err);
    }
  }

  private async byName(q: string): Promise<FederationResponse> {
    let address;
    try {
      address = parseStellarAddress(q);
    } catch {
      throw new AppError(400, 'invalid_query', 'Please use an address of the form name*domain.com');
    }
    // Domains are DNS names, so case-insensitive (RFC 4343): the query sees them
    // lower case. The name part goes on unchanged, as the legacy server passed it;
    // whether `Bob` is `bob` is the bank's SQL to decide (e.g. `name = LOWER(?)`).
    const domain = address.domain.toLowerCase();
    const record = await this.accounts.findByName(address.name, domain);
    if (!record) throw notFound();
    return { stellar_address: `${address.name}*${domain}`, ...recordBody(record) };
  }

  private async byAccountId(q: string): Promise<FederationResponse> {
    if (!this.accounts.supportsReverse) throw notImplemented('id');
    const found = await this.accounts.findByAccountId(q);
    if (!found) throw notFound();
    return { stellar_address: `${found.name}*${found.domain}`, account_id: q };
  }

  private async byForward(parameters: Record<string, string>): Promise<FederationResponse> {
    if (!this.accounts.supportsForward) throw notImplemented('forward');
    const missing = this.accounts.forwardParameters.find((name) => !parameters[name]);
    if (missing) throw invalidRequest(`${missing} parameter is blank`);
    const record = await this.accounts.findByForward(parameters);
    if (!record) throw notFound();
    return recordBody(record);
  }

  /** Readiness: the database answers. */
  async ping(): Promise<void> {
    await this.accounts.ping();
  }
}

function recordBody(record: FederationRecord): FederationResponse {
  return {
    account_id: record.accountId,
    ...(record.memoType !== undefined ? { memo_type: record.memoType, memo: record.memo ?? '' } : {}),
  };
}
