// The receiving side of SEP-3 (`POST /` on the external port): check who is
// paying, screen them, decide whether to disclose our customer, and remember the
// authorized transaction so /receive can find it when the payment arrives.
// Anyone on the internet can call it, so everything that needs no network is
// checked first, signed requests are rate-limited per sender domain, and remote
// callers get our own wording, never our backend's or a transport error code.
import { createHash } from 'node:crypto';
import { Operation, xdr } from '@stellar/stellar-sdk';
import { InvalidParameterError, type Logger } from '@anchor/support';
import {
  attachmentMemoHashBase64,
  authResponseHttpStatus,
  authTransactionHash,
  checkMemoHash,
  goJsonStringMap,
  isProtocolError,
  isSignatureShaped,
  parseAuthRequest,
  parseStellarAddress,
  verifyAuthSignature,
  type AuthResponse,
  type ParsedAuthRequest,
  type ResolvedStellarToml,
} from '@anchor/protocol';
import type { AskUserRequest, CallbackDecision, CallbacksClient } from '../clients/callbacks.client.js';
import { NonceReusedError, protocolFailureReason, RateLimitedError } from '../errors.js';
import type { ComplianceStore } from '../stores/compliance.store.js';
import { DomainRateLimiter } from './domain-rate-limiter.js';

/** Longest nonce we store (the column is varchar(255)); Go senders send ~19 digits. */
export const MAX_NONCE_LENGTH = 255;

/**
 * The `error` we send when our backend refused the sender's or the request's data
 * (a 400 from sanctions or ask_user): the backend's own text stays in our log.
 */
export const CALLBACK_ERROR_TEXT = 'The receiving institution could not accept the information sent.';

export interface AuthLimits {
  /** Signed requests per sender domain per minute; 0 = no limit. */
  requestsPerMinute: number;
  maxAttachmentBytes: number;
  maxNoteBytes: number;
}

export interface AuthServiceDeps {
  store: ComplianceStore;
  callbacks: CallbacksClient;
  tomlResolver: { resolve(domain: string): Promise<ResolvedStellarToml> };
  networkPassphrase: string;
  limits: AuthLimits;
  now?: () => Date;
}

export interface AuthOutcome {
  httpStatus: number;
  response: AuthResponse;
}

export class AuthService {
  private readonly now: () => Date;
  private readonly rateLimiter: DomainRateLimiter;

  constructor(private readonly deps: AuthServiceDeps) {
    const now = deps.now ?? (() => new Date());
    this.now = now;
    this.rateLimiter = new DomainRateLimiter(deps.limits.requestsPerMinute, () => now().getTime());
  }

  /**
   * Runs the whole auth algorithm for one `data`/`sig` form.
   * @throws InvalidParameterError (400, `data.name` = failing field) for bad input,
   *   RateLimitedError, NonceReusedError, CallbackFailedError, database errors
   */
  async authorize(form: { data?: string; sig?: string }, log?: Logger): Promise<AuthOutcome> {
    const request = this.validate(form);
    this.checkSizes(request);
    const { authData, attachment } = request;
    const sender = parseStellarAddress(authData.sender);
    await this.verifySignature(request, sender.domain, log);
    const retryAfter = this.rateLimiter.take(sender.domain);
    if (retryAfter > 0) {
      log?.warn('auth requests of a sender domain over the rate limit', { sender_domain: sender.domain });
      throw new RateLimitedError(retryAfter);
    }

    const dataHash = createHash('sha256').update(request.rawData, 'utf8').digest('hex');
    const nonceOutcome = await this.deps.store.recordNonce(
      sender.domain,
      attachment.nonce,
      dataHash,
      this.now(),
    );
    if (nonceOutcome === 'different_data') throw new NonceReusedError(attachment.nonce);

    const senderInfoJson = goJsonStringMap(attachment.transaction.sender_info);
    const txDecision = this.deps.callbacks.urls.sanctions
      ? await this.deps.callbacks.sanctions(senderInfoJson)
      : ({ status: 'ok' } as const);

    let infoDecision: CallbackDecision = { status: 'ok' };
    let destInfo: string | undefined;
    if (authData.need_info) {
      if (txDecision.status === 'denied') {
        // Never ask a customer about, nor disclose them to, a sender the sanctions check refused.
        infoDecision = { status: 'denied' };
      } else {
        infoDecision = await this.disclosure(sender, request, senderInfoJson);
        // Disclosed only once screening is complete: a fuzzy sanctions match (pending)
        // or a sender we could not screen (error) must not learn who they are paying.
        if (infoDecision.status === 'ok' && txDecision.status === 'ok') {
          if (this.deps.callbacks.urls.fetch_info) {
            destInfo = await this.deps.callbacks.fetchInfo(attachment.transaction.route);
          } else {
            log?.warn(
              'need_info request allowed but no fetch_info callback is configured: no dest_info sent',
            );
          }
        }
      }
    }

    for (const decision of [txDecision, infoDecision]) {
      if (decision.status === 'error' && decision.error) {
        log?.warn('a callback refused the auth request', {
          sender_domain: sender.domain,
          error: decision.error,
        });
      }
    }
    let response = buildResponse(txDecision, infoDecision, destInfo);
    if (authResponseHttpStatus(response) === 200 && !(await this.routeHasCustomer(request, destInfo, log))) {
      // Nothing is stored for a payment nobody here can receive (and nothing disclosed).
      log?.info('auth request for a route that matches no customer', { sender_domain: sender.domain });
      response = { info_status: 'denied', tx_status: 'denied' };
    }
    const httpStatus = authResponseHttpStatus(response);
    if (httpStatus === 200) {
      // Stored before the answer leaves: the sender submits the payment as soon as it reads "ok".
      await this.deps.store.insertAuthorizedTransaction({
        senderDomain: sender.domain.toLowerCase(),
        transactionId: authTransactionHash(authData.tx, this.deps.networkPassphrase),
        memo: attachmentMemoHashBase64(authData.attachment),
        transactionXdr: authData.tx,
        authorizedAt: this.now(),
        data: request.rawData,
      });
    }
    log?.info('auth request answered', {
      sender_domain: sender.domain,
      info_status: response.info_status,
      tx_status: response.tx_status,
      status: httpStatus,
    });
    return { httpStatus, response };
  }

  /** Every check that needs no network, in a fixed order. */
  private validate(form: { data?: string; sig?: string }): ParsedAuthRequest {
    let request: ParsedAuthRequest;
    try {
      request = parseAuthRequest(form);
      checkMemoHash(request.authData);
    } catch (err) {
      if (isProtocolError(err)) throw new InvalidParameterError(err.field ?? 'data', err.message);
      throw err;
    }
    const nonce = request.attachment.nonce;
    if (nonce === '') throw new InvalidParameterError('data.attachment', 'Attachment nonce is required.');
    if (nonce.length > MAX_NONCE_LENGTH) {
      throw new InvalidParameterError(
        'data.attachment',
        `Attachment nonce is longer than ${MAX_NONCE_LENGTH}.`,
      );
    }
    return request;
  }

  /** Limits that need no network, checked before the sender's stellar.toml is fetched. */
  private checkSizes(request: ParsedAuthRequest): void {
    const { limits } = this.deps;
    // verifyAuthSignature would refuse it too, but only after fetching the toml.
    if (!isSignatureShaped(request.sig)) throw new InvalidParameterError('sig', 'Invalid signature.');
    if (Buffer.byteLength(request.authData.attachment, 'utf8') > limits.maxAttachmentBytes) {
      throw new InvalidParameterError(
        'data.attachment',
        `Attachment is larger than ${limits.maxAttachmentBytes} bytes.`,
      );
    }
    if (Buffer.byteLength(request.attachment.transaction.note, 'utf8') > limits.maxNoteBytes) {
      throw new InvalidParameterError('data.attachment', `Note is larger than ${limits.maxNoteBytes} bytes.`);
    }
  }

  /**
   * Whether the attachment's route is one of our customers: known when fetch_info
   * already answered, asked from fetch_info (404 = nobody) when it is configured,
   * assumed otherwise.
   */
  private async routeHasCustomer(
    request: ParsedAuthRequest,
    destInfo: string | undefined,
    log?: Logger,
  ): Promise<boolean> {
    if (destInfo !== undefined || !this.deps.callbacks.urls.fetch_info) return true;
    try {
      return (await this.deps.callbacks.findInfo(request.attachment.transaction.route)) !== undefined;
    } catch (err) {
      // Only a clear 404 refuses: a backend whose fetch_info fails keeps working as before.
      log?.warn('fetch_info failed while checking the route of an auth request', { error: String(err) });
      return true;
    }
  }

  private async verifySignature(request: ParsedAuthRequest, domain: string, log?: Logger): Promise<void> {
    let toml: ResolvedStellarToml;
    try {
      toml = await this.deps.tomlResolver.resolve(domain);
    } catch (err) {
      if (isProtocolError(err) && err.code === 'toml_invalid' && err.field === 'SIGNING_KEY') {
        throw new InvalidParameterError('data.sender', 'SIGNING_KEY in stellar.toml of sender is invalid');
      }
      // The caller learns what the sender's own server did (status, size, timeout), never
      // our transport detail (ECONNREFUSED, a refused private address): that would make
      // this endpoint a port scanner. The detail goes to our log.
      log?.warn('cannot get stellar.toml of sender', {
        sender_domain: domain,
        reason: isProtocolError(err) ? protocolFailureReason(err) : String(err),
      });
      const why = isProtocolError(err) ? err.message : 'request failed';
      throw new InvalidParameterError('data.sender', `Cannot get stellar.toml of sender: ${why}`);
    }
    if (!toml.SIGNING_KEY) {
      throw new InvalidParameterError('data.sender', 'SIGNING_KEY in stellar.toml of sender is invalid');
    }
    if (!verifyAuthSignature(toml.SIGNING_KEY, request.rawData, request.sig)) {
      throw new InvalidParameterError('sig', 'Invalid signature.');
    }
  }

  /**
   * Whether we disclose our customer: the institution is allowed, or this user of
   * it is, or (neither) the customer is asked through ask_user; without ask_user
   * the answer is denied.
   */
  private async disclosure(
    sender: { name: string; domain: string },
    request: ParsedAuthRequest,
    senderInfoJson: string,
  ): Promise<CallbackDecision> {
    const domain = sender.domain.toLowerCase();
    if (await this.deps.store.isFiAllowed(domain)) return { status: 'ok' };
    if (await this.deps.store.isUserAllowed(domain, sender.name)) return { status: 'ok' };
    if (!this.deps.callbacks.urls.ask_user) return { status: 'denied' };
    return this.deps.callbacks.askUser({
      ...firstPayment(request.tx),
      sender: senderInfoJson,
      note: request.attachment.transaction.note,
      route: request.attachment.transaction.route,
      sender_address: `${sender.name}*${sender.domain}`,
    });
  }
}

/** amount/asset of the first operation as the receiver sees it (Go: dest amount/asset). */
function firstPayment(tx: xdr.Transaction): Pick<AskUserRequest, 'amount' | 'asset_code' | 'asset_issuer'> {
  const none = { amount: '', asset_code: '', asset_issuer: '' };
  const first = tx.operations()[0];
  if (!first) return none;
  let op: Operation;
  try {
    op = Operation.fromXDRObject(first);
  } catch {
    return none;
  }
  const pair = (asset: { isNative(): boolean; getCode(): string; getIssuer(): string }) =>
    asset.isNative()
      ? { asset_code: '', asset_issuer: '' }
      : { asset_code: asset.getCode(), asset_issuer: asset.getIssuer() };
  switch (op.type) {
    case 'payment':
      return { amount: op.amount, ...pair(op.asset) };
    case 'pathPaymentStrictReceive':
      return { amount: op.destAmount, ...pair(op.destAsset) };
    case 'pathPaymentStrictSend':
      return { amount: op.destMin, ...pair(op.destAsset) };
    default:
      return none;
  }
}

function buildResponse(
  tx: CallbackDecision,
  info: CallbackDecision,
  destInfo: string | undefined,
): AuthResponse {
  const response: AuthResponse = { info_status: info.status, tx_status: tx.status };
  if (destInfo !== undefined && destInfo !== '') response.dest_info = destInfo;
  const pending = Math.max(
    tx.status === 'pending' ? tx.pending : 0,
    info.status === 'pending' ? info.pending : 0,
  );
  if (pending > 0) response.pending = pending;
  if ((tx.status === 'error' && tx.error) || (info.status === 'error' && info.error)) {
    response.error = CALLBACK_ERROR_TEXT;
  }
  return response;
}
