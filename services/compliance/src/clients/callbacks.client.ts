// The bank's own backend as the compliance server sees it: the sanctions,
// ask_user, fetch_info and tx_status callbacks with the legacy request fields and
// the legacy mapping of HTTP statuses onto SEP-3 statuses. Transport failures and
// answers outside the contract become CallbackFailedError (500 JSON), never a crash.
import type { AxiosInstance } from 'axios';
import { describeHttpFailure } from '@anchor/support';
import { parseTransactionStatusResponse, type TransactionStatusResponse } from '@anchor/protocol';
import { CallbackFailedError } from '../errors.js';

/** Seconds the sender is told to wait when a callback says pending without a usable number. */
export const DEFAULT_PENDING_SECONDS = 600;

/** A callback's verdict mapped onto a SEP-3 auth status. */
export type CallbackDecision =
  | { status: 'ok' }
  | { status: 'pending'; pending: number }
  | { status: 'error'; error?: string }
  | { status: 'denied' };

export interface CallbackUrls {
  sanctions?: string;
  ask_user?: string;
  fetch_info?: string;
  tx_status?: string;
}

/** The fields POSTed to ask_user (legacy names). */
export interface AskUserRequest {
  amount: string;
  asset_code: string;
  asset_issuer: string;
  /** sender_info as JSON text */
  sender: string;
  note: string;
  /**
   * Additions to the legacy fields (a backend that does not know them ignores
   * them): which of our customers is asked (the attachment's route) and who is
   * asking (the sender's stellar address), so the backend can check the
   * customer's own allow list before asking.
   */
  route: string;
  sender_address: string;
}

export class CallbacksClient {
  constructor(
    private readonly http: AxiosInstance,
    readonly urls: CallbackUrls,
  ) {}

  /** POST sanctions `sender=<sender_info JSON>`. Only call when configured. */
  sanctions(senderInfoJson: string): Promise<CallbackDecision> {
    return this.decision('sanctions', { sender: senderInfoJson });
  }

  /** POST ask_user. Only call when configured. */
  askUser(request: AskUserRequest): Promise<CallbackDecision> {
    return this.decision('ask_user', { ...request });
  }

  /**
   * POST fetch_info `address=<address>`; the answer body, verbatim, when it is 200.
   * @throws CallbackFailedError for transport failures and any other status
   */
  async fetchInfo(address: string): Promise<string> {
    const info = await this.findInfo(address);
    if (info === undefined) throw new CallbackFailedError('fetch_info', 'answered HTTP 404');
    return info;
  }

  /**
   * fetch_info where 404 means "no customer has this address or route" (as the
   * reference backend answers): undefined then, else as {@link fetchInfo}.
   */
  async findInfo(address: string): Promise<string | undefined> {
    const { status, body } = await this.post('fetch_info', { address });
    if (status === 404) return undefined;
    if (status !== 200) throw new CallbackFailedError('fetch_info', `answered HTTP ${status}`);
    return body;
  }

  /**
   * fetch_info for our own sender on /send: must be a flat JSON object of strings.
   * @throws CallbackFailedError otherwise
   */
  async fetchSenderInfo(address: string): Promise<Record<string, string>> {
    const body = await this.fetchInfo(address);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new CallbackFailedError('fetch_info', 'answer is not JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new CallbackFailedError('fetch_info', 'answer is not a JSON object');
    }
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(json)) {
      if (typeof value !== 'string') {
        throw new CallbackFailedError('fetch_info', `answer field ${JSON.stringify(key)} is not a string`);
      }
      out[key] = value;
    }
    return out;
  }

  /**
   * GET tx_status `?id=`. 200 → the parsed answer; any other status → unknown.
   * @throws CallbackFailedError on transport failure or an unparsable 200 answer
   */
  async txStatus(id: string): Promise<TransactionStatusResponse> {
    const url = new URL(this.urls.tx_status as string);
    url.searchParams.set('id', id);
    let status: number;
    let body: string;
    try {
      const res = await this.http.get<string>(url.toString(), {
        responseType: 'text',
        transformResponse: (x: unknown) => x,
      });
      status = res.status;
      body = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    } catch (err) {
      throw new CallbackFailedError('tx_status', describeHttpFailure(err), err);
    }
    if (status !== 200) return { status: 'unknown' };
    try {
      return parseTransactionStatusResponse(body);
    } catch (err) {
      throw new CallbackFailedError('tx_status', 'answer is not a valid tx_status response', err);
    }
  }

  private async decision(
    name: 'sanctions' | 'ask_user',
    form: Record<string, string>,
  ): Promise<CallbackDecision> {
    const { status, body } = await this.post(name, form);
    switch (status) {
      case 200:
        return { status: 'ok' };
      case 202:
        return { status: 'pending', pending: pendingSeconds(body) };
      case 400: {
        const error = jsonField(body, 'error');
        return typeof error === 'string' && error !== '' ? { status: 'error', error } : { status: 'error' };
      }
      case 403:
        return { status: 'denied' };
      default:
        throw new CallbackFailedError(name, `answered HTTP ${status} (expected 200, 202, 400 or 403)`);
    }
  }

  private async post(
    name: keyof CallbackUrls,
    form: Record<string, string>,
  ): Promise<{ status: number; body: string }> {
    const url = this.urls[name];
    if (!url) throw new CallbackFailedError(name, 'not configured');
    try {
      const res = await this.http.post<string>(url, new URLSearchParams(form).toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        responseType: 'text',
        transformResponse: (x: unknown) => x,
      });
      return { status: res.status, body: typeof res.data === 'string' ? res.data : String(res.data ?? '') };
    } catch (err) {
      throw new CallbackFailedError(name, describeHttpFailure(err), err);
    }
  }
}

function jsonField(body: string, key: string): unknown {
  try {
    const json: unknown = JSON.parse(body);
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}

/** `{"pending": n}` with a positive integer n, else the 600 s default (as the Go server). */
function pendingSeconds(body: string): number {
  const value = jsonField(body, 'pending');
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : DEFAULT_PENDING_SECONDS;
}
