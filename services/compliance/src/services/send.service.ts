// The sending side of SEP-3 (`POST /send` on the internal port): find the
// receiving institution, describe the payment (attachment + unsigned sequence-0
// transaction whose memo is the attachment's hash), remember it under the
// caller's request id, sign it and ask the receiver's AUTH_SERVER.
import { randomInt } from 'node:crypto';
import { Operation, type xdr } from '@stellar/stellar-sdk';
import type { AxiosInstance } from 'axios';
import { describeHttpFailure, type Logger } from '@anchor/support';
import {
  attachmentMemoHash,
  buildAuthTransaction,
  encodeAuthRequest,
  isProtocolError,
  parseAuthData,
  parseAuthResponse,
  serializeAttachment,
  serializeAuthData,
  signAuthData,
  toSdkAsset,
  type Asset,
  type AuthResponse,
  type FederationNameRecord,
  type ForwardDestination,
  type ResolvedStellarToml,
} from '@anchor/protocol';
import type { CallbacksClient } from '../clients/callbacks.client.js';
import {
  AuthServerError,
  AuthServerNotDefinedError,
  CannotResolveDestinationError,
  protocolFailureReason,
} from '../errors.js';
import type { ComplianceStore, StoredAuthData } from '../stores/compliance.store.js';

/** A validated /send request. */
export interface SendRequest {
  id: string;
  source: string;
  sender: string;
  /** `name*domain`; absent only when a forward destination is given. */
  destination?: string;
  forwardDestination?: ForwardDestination;
  amount: string;
  asset: Asset;
  /** Present for a path payment (strict receive). */
  sendMax?: string;
  sendAsset?: Asset;
  path: Asset[];
  extraMemo: string;
}

export interface SendResult {
  auth_response: AuthResponse;
  /** The sequence-0 transaction the receiver authorized (base64 `Transaction` XDR). */
  transaction_xdr: string;
}

export interface SendServiceDeps {
  store: ComplianceStore;
  callbacks: CallbacksClient;
  http: AxiosInstance;
  tomlResolver: { resolve(domain: string): Promise<ResolvedStellarToml> };
  federation: {
    resolveAddress(address: string): Promise<FederationNameRecord>;
    resolveForward(domain: string, fields: Readonly<Record<string, string>>): Promise<FederationNameRecord>;
  };
  signingSeed: string;
  networkPassphrase: string;
  needsAuth: boolean;
  allowHttp: boolean;
  /** Nonce source; default: unix time in nanoseconds (ms clock + random sub-ms digits), as Go. */
  nonce?: () => string;
}

export class SendService {
  private readonly nonce: () => string;

  constructor(private readonly deps: SendServiceDeps) {
    this.nonce = deps.nonce ?? defaultNonce;
  }

  async send(request: SendRequest, log?: Logger): Promise<SendResult> {
    const stored = await this.deps.store.findAuthData(request.id);
    if (stored) {
      log?.info('re-sending stored auth data', { request_id: request.id, domain: stored.domain });
      return this.post(stored);
    }

    const { record, domain } = await this.resolveDestination(request);
    await this.authServerOf(domain); // fail before building anything when the receiver has none

    const senderInfo = this.deps.callbacks.urls.fetch_info
      ? await this.deps.callbacks.fetchSenderInfo(request.sender)
      : {};
    const attachment = serializeAttachment({
      nonce: this.nonce(),
      transaction: { sender_info: senderInfo, route: record.memo ?? '', note: '', extra: request.extraMemo },
      operations: null,
    });
    const tx = buildAuthTransaction({
      source: request.source,
      operations: [paymentOperation(request, record.account_id)],
      memoHash: attachmentMemoHash(attachment),
      networkPassphrase: this.deps.networkPassphrase,
    });
    const authData = serializeAuthData({
      sender: request.sender,
      need_info: this.deps.needsAuth,
      tx,
      attachment,
    });
    // A concurrent /send with the same id may have stored first: then its data is what we send.
    const row = await this.deps.store.insertAuthData({ requestId: request.id, domain, authData });
    return this.post(row);
  }

  private async resolveDestination(
    request: SendRequest,
  ): Promise<{ record: FederationNameRecord; domain: string }> {
    try {
      if (request.forwardDestination) {
        const { domain, fields } = request.forwardDestination;
        return { record: await this.deps.federation.resolveForward(domain, fields), domain };
      }
      const destination = request.destination as string;
      const domain = destination.slice(destination.lastIndexOf('*') + 1);
      return { record: await this.deps.federation.resolveAddress(destination), domain };
    } catch (err) {
      if (isProtocolError(err)) throw new CannotResolveDestinationError(protocolFailureReason(err), err);
      throw err;
    }
  }

  private async authServerOf(domain: string): Promise<string> {
    let toml: ResolvedStellarToml;
    try {
      toml = await this.deps.tomlResolver.resolve(domain);
    } catch (err) {
      if (isProtocolError(err)) throw new CannotResolveDestinationError(protocolFailureReason(err), err);
      throw err;
    }
    const server = toml.AUTH_SERVER;
    if (!server) throw new AuthServerNotDefinedError();
    if (!server.startsWith('https://') && !(this.deps.allowHttp && server.startsWith('http://'))) {
      throw new CannotResolveDestinationError(`AUTH_SERVER of ${domain} must use https: ${server}`);
    }
    return server;
  }

  /** Signs the stored data (ed25519 is deterministic: a retry carries the identical sig) and posts it. */
  private async post(stored: StoredAuthData): Promise<SendResult> {
    const authServer = await this.authServerOf(stored.domain);
    const body = encodeAuthRequest({
      data: stored.authData,
      sig: signAuthData(this.deps.signingSeed, stored.authData),
    });
    let status: number;
    let text: string;
    try {
      const res = await this.deps.http.post<string>(authServer, body, {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        responseType: 'text',
        transformResponse: (x: unknown) => x,
      });
      status = res.status;
      text = typeof res.data === 'string' ? res.data : String(res.data ?? '');
    } catch (err) {
      throw new AuthServerError(`${authServer}: ${describeHttpFailure(err)}`, err);
    }
    if (status !== 200 && status !== 202 && status !== 403) {
      throw new AuthServerError(`${authServer} answered HTTP ${status}: ${text.slice(0, 500)}`);
    }
    let authResponse: AuthResponse;
    try {
      authResponse = parseAuthResponse(text);
    } catch (err) {
      throw new AuthServerError(`${authServer} answered HTTP ${status} with an invalid auth response`, err);
    }
    return { auth_response: authResponse, transaction_xdr: parseAuthData(stored.authData).tx };
  }
}

function paymentOperation(request: SendRequest, destination: string): xdr.Operation {
  if (request.sendMax !== undefined) {
    return Operation.pathPaymentStrictReceive({
      source: request.source,
      sendAsset: toSdkAsset(request.sendAsset ?? { type: 'native' }),
      sendMax: request.sendMax,
      destination,
      destAsset: toSdkAsset(request.asset),
      destAmount: request.amount,
      path: request.path.map(toSdkAsset),
    });
  }
  return Operation.payment({
    source: request.source,
    destination,
    asset: toSdkAsset(request.asset),
    amount: request.amount,
  });
}

/** Unix time in nanoseconds as a decimal string (the Go sender's nonce format). */
function defaultNonce(): string {
  return (BigInt(Date.now()) * 1_000_000n + BigInt(randomInt(1_000_000))).toString();
}
