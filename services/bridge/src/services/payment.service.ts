// POST /payment as a use case: idempotency by `id` (claimed in the database,
// so it holds across replicas and restarts), the compliance flow
// (compliance /send → pending / denied / ok → sign and submit) or the standard
// flow (federation → create_account / payment / path payment → submit).
import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { Keypair, Memo, Operation, xdr } from '@stellar/stellar-sdk';
import {
  type Asset,
  type ForwardDestination,
  type PathAssetForm,
  encodeForwardDestination,
  encodeFormGoStyle,
  encodePathForm,
  isAccountId,
  isProtocolError,
  parseAuthResponse,
  toSdkAsset,
  type FederationClient,
} from '@anchor/protocol';
import { AppError, InvalidParameterError, UpstreamError, type Logger } from '@anchor/support';
import { ClaimLostError, type SentTransactionStore } from '../stores/sent-transaction.store.js';
import { asRejection, HorizonRejection, rejectionToAppError } from './horizon-errors.js';
import { assertMemoGiven } from './memo-required.js';
import { muxedBase } from './muxed.js';
import { pathSendAmount } from './path-send-amount.js';
import { PaymentIdConflictError, paymentFingerprint } from './payment-fingerprint.js';
import type { SubmitSuccess, TransactionSubmitter } from './submitter.service.js';

/** A validated /payment request (see handlers/payment.handler.ts for the validation order). */
export interface PaymentRequest {
  id?: string;
  source: Keypair;
  sender?: string;
  destination?: string;
  forwardDestination?: ForwardDestination;
  amount: string;
  memo?: Memo;
  asset: Asset;
  sendMax?: string;
  sendAsset: Asset;
  path: Asset[];
  pathForm: PathAssetForm[];
  useCompliance: boolean;
  extraMemo?: string;
  /** Raw form values for the compliance /send request. */
  form: Record<string, string>;
}

export interface PaymentResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface PaymentServiceDeps {
  submitter: TransactionSubmitter;
  store: SentTransactionStore;
  federation: Pick<FederationClient, 'resolveAddress' | 'resolveForward'>;
  http: AxiosInstance;
  complianceUrl?: string;
  logger: Logger;
  /** A payment id claim not renewed for this long may be taken over (default 30 s). */
  claimStaleMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const CANNOT_RESOLVE = () =>
  new AppError(400, 'cannot_resolve_destination', 'Cannot resolve federated Stellar address.');

export class PaymentService {
  /** Requests of this process by payment id, with their fingerprint. */
  private readonly inFlight = new Map<string, { fingerprint: string; work: Promise<PaymentResponse> }>();

  constructor(private readonly deps: PaymentServiceDeps) {}

  async pay(request: PaymentRequest): Promise<PaymentResponse> {
    const id = request.id;
    if (!id) return this.route(request);
    if (!this.deps.store.durable) {
      // Without a database a repeated id would be paid again: refuse rather than pretend.
      throw new AppError(
        400,
        'idempotency_unavailable',
        'A payment `id` needs the bridge database, and none is configured: send the payment without `id` or configure [database].',
        { data: { name: 'id' } },
      );
    }
    const fingerprint = paymentFingerprint(request);
    const running = this.inFlight.get(id);
    if (running) {
      if (running.fingerprint !== fingerprint) throw new PaymentIdConflictError(id);
      return running.work;
    }
    const work = this.payOnce(request, id, fingerprint);
    this.inFlight.set(id, { fingerprint, work });
    try {
      return await work;
    } finally {
      this.inFlight.delete(id);
    }
  }

  /**
   * Claims the id in the database (atomic across replicas), then builds and submits, or, when
   * a transaction is recorded for it, replays that envelope. A claim held by a live claimant is
   * waited for until it is released or goes stale: only the holder ever submits for the id. An
   * id held or sent for other parameters is refused (409) without waiting.
   */
  private async payOnce(request: PaymentRequest, id: string, fingerprint: string): Promise<PaymentResponse> {
    const token = randomUUID();
    const staleMs = this.deps.claimStaleMs ?? 30_000;
    let delay = 50;
    for (;;) {
      const claim = await this.deps.store.claimPayment(id, token, Date.now(), staleMs, fingerprint);
      if (claim.state === 'conflict') throw new PaymentIdConflictError(id);
      if (claim.state === 'busy') {
        await sleep(delay);
        delay = Math.min(delay * 2, 1_000);
        continue;
      }
      const renew = setInterval(
        () => void this.deps.store.renewClaim(id, token, Date.now()).catch(() => undefined),
        Math.max(100, Math.floor(staleMs / 3)),
      );
      try {
        if (claim.state === 'sent')
          return await this.replay(claim.transaction.envelope_xdr, claim.operationIndex);
        return await this.route(request, token);
      } catch (err) {
        // Another claimant took the id over before we recorded anything: wait for its transaction.
        if (err instanceof ClaimLostError) continue;
        throw err;
      } finally {
        clearInterval(renew);
        // Without a recorded transaction (an error, compliance pending/denied) the id may be
        // used again; a recorded transaction keeps it (the store only deletes a bare claim).
        await this.deps.store.releasePayment(id, token).catch(() => undefined);
      }
    }
  }

  private route(request: PaymentRequest, claimToken?: string): Promise<PaymentResponse> {
    if (this.deps.complianceUrl && (request.useCompliance || (request.extraMemo ?? '') !== '')) {
      return this.compliancePayment(request, this.deps.complianceUrl, claimToken);
    }
    return this.standardPayment(request, claimToken);
  }

  /** A repeated `id`: the stored envelope, looked up by hash and resubmitted verbatim if needed. */
  private async replay(envelopeXdr: string, operationIndex: number): Promise<PaymentResponse> {
    try {
      const result = await this.deps.submitter.resubmitEnvelope(envelopeXdr);
      return { status: 200, body: successBody({ ...result, operationIndex }) };
    } catch (err) {
      const rejection = err instanceof HorizonRejection ? err : asRejection(err);
      if (rejection) throw rejectionToAppError(rejection, 'payment', operationIndex);
      throw err;
    }
  }

  private async standardPayment(request: PaymentRequest, claimToken?: string): Promise<PaymentResponse> {
    const resolved = await this.resolveDestination(request);
    let memo = request.memo;
    if (resolved.memoType) {
      if (memo)
        throw new AppError(
          400,
          'cannot_use_memo',
          'Memo given in request but federation returned memo fields.',
        );
      memo = federationMemo(resolved.memoType, resolved.memo ?? '');
    }
    const source = request.source.publicKey();
    const account = await this.loadDestination(resolved.accountId);
    const exists = account !== undefined;
    if (account) assertMemoGiven(resolved.destination, account.data, memo);
    let operation: xdr.Operation;
    if (!exists && resolved.destination !== resolved.accountId) {
      throw new InvalidParameterError('destination', 'A muxed (M…) destination must be an existing account.');
    }
    if (!exists) {
      if (request.sendMax !== undefined || request.asset.type === 'credit') {
        throw new InvalidParameterError(
          'destination',
          'Can not send custom asset or path payment to inactive destination.',
        );
      }
      operation = Operation.createAccount({
        destination: resolved.accountId,
        startingBalance: request.amount,
        source,
      });
    } else if (request.sendMax !== undefined) {
      operation = Operation.pathPaymentStrictReceive({
        sendAsset: toSdkAsset(request.sendAsset),
        sendMax: request.sendMax,
        destination: resolved.destination,
        destAsset: toSdkAsset(request.asset),
        destAmount: request.amount,
        path: request.path.map(toSdkAsset),
        source,
      });
    } else {
      operation = Operation.payment({
        destination: resolved.destination,
        asset: toSdkAsset(request.asset),
        amount: request.amount,
        source,
      });
    }
    const result = await this.deps.submitter.submit({
      operation,
      kind: 'payment',
      memo: memo ?? Memo.none(),
      signer: request.source,
      paymentId: request.id,
      claimToken,
    });
    return { status: 200, body: successBody(result) };
  }

  private async resolveDestination(
    request: PaymentRequest,
  ): Promise<{ accountId: string; destination: string; memoType?: string; memo?: string }> {
    let record: { account_id: string; memo_type?: string; memo?: string };
    try {
      if (request.forwardDestination) {
        record = await this.deps.federation.resolveForward(
          request.forwardDestination.domain,
          request.forwardDestination.fields,
        );
      } else if (
        request.destination &&
        !isAccountId(request.destination) &&
        muxedBase(request.destination) === undefined
      ) {
        record = await this.deps.federation.resolveAddress(request.destination);
      } else {
        record = { account_id: request.destination ?? '' };
      }
    } catch (err) {
      if (isProtocolError(err)) {
        this.deps.logger.info('federation failed', { code: err.code, detail: err.message });
        throw CANNOT_RESOLVE();
      }
      throw err;
    }
    // A federation answer may name a muxed account (M…) as well (SEP-2 allows any account id).
    const accountId = isAccountId(record.account_id) ? record.account_id : muxedBase(record.account_id);
    if (accountId === undefined) {
      throw new InvalidParameterError(
        'destination',
        'Destination public key must start with `G` (or be a muxed `M…` address).',
      );
    }
    return {
      accountId,
      destination: record.account_id,
      memoType: record.memo_type || undefined,
      memo: record.memo,
    };
  }

  /** The destination account, or undefined when it does not exist yet. */
  private async loadDestination(accountId: string) {
    try {
      return await this.deps.submitter.network.loadAccount(accountId);
    } catch (err) {
      const e = err as { name?: string; response?: { status?: number } };
      if (e.name === 'NotFoundError' || e.response?.status === 404) return undefined;
      throw new UpstreamError(
        'horizon_unavailable',
        'Horizon could not be reached, please try again.',
        err,
        503,
      );
    }
  }

  private async compliancePayment(
    request: PaymentRequest,
    complianceUrl: string,
    claimToken?: string,
  ): Promise<PaymentResponse> {
    const values: Record<string, string> = {
      id: request.id ?? '',
      source: request.source.publicKey(),
      sender: request.sender ?? '',
      destination: request.destination ?? '',
      amount: request.amount,
      asset_code: request.form.asset_code ?? '',
      asset_issuer: request.form.asset_issuer ?? '',
      send_max: request.sendMax ?? '',
      send_asset_code: request.form.send_asset_code ?? '',
      send_asset_issuer: request.form.send_asset_issuer ?? '',
      extra_memo: request.extraMemo ?? '',
      ...encodePathForm(request.pathForm),
      ...(request.forwardDestination ? encodeForwardDestination(request.forwardDestination) : {}),
    };
    const form: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== '' || k.startsWith('path[')) form[k] = v;
    const internal = () =>
      new AppError(500, 'internal_server_error', 'Internal Server Error, please try again.');
    let body: unknown;
    try {
      const res = await this.deps.http.post(
        new URL('send', withSlash(complianceUrl)).toString(),
        encodeFormGoStyle(form),
        {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          responseType: 'text',
          transformResponse: (d: unknown) => d,
        },
      );
      if (res.status !== 200) {
        this.deps.logger.warn('compliance /send failed', { status: res.status });
        throw internal();
      }
      body = JSON.parse(String(res.data));
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.deps.logger.warn('compliance /send unreachable or bad answer', { error: String(err) });
      throw internal();
    }
    const payload = body as { auth_response?: unknown; transaction_xdr?: unknown };
    let auth;
    try {
      auth = parseAuthResponse(JSON.stringify(payload.auth_response ?? {}));
    } catch {
      throw internal();
    }
    if (auth.info_status === 'pending' || auth.tx_status === 'pending') {
      return {
        status: 202,
        body: {
          code: 'pending',
          message: 'Transaction pending. Repeat your request after given time.',
          data: { pending: auth.pending ?? 0 },
        },
      };
    }
    if (auth.info_status === 'denied' || auth.tx_status === 'denied') {
      return { status: 403, body: { code: 'denied', message: 'Transaction denied by destination.' } };
    }
    if (auth.info_status !== 'ok' || auth.tx_status !== 'ok') throw internal();
    let tx: xdr.Transaction;
    try {
      tx = xdr.Transaction.fromXDR(String(payload.transaction_xdr ?? ''), 'base64');
    } catch {
      throw internal();
    }
    const ops = tx.operations();
    if (ops.length !== 1) throw internal();
    const result = await this.deps.submitter.submit({
      operation: withSource(ops[0] as xdr.Operation, request.source.publicKey()),
      kind: 'payment',
      memo: Memo.fromXDRObject(tx.memo()),
      signer: request.source,
      paymentId: request.id,
      claimToken,
    });
    return { status: 200, body: successBody(result) };
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Compliance builds the operation with source = the paying account; keep it explicit. */
function withSource(op: xdr.Operation, source: string): xdr.Operation {
  if (op.sourceAccount()) return op;
  const copy = xdr.Operation.fromXDR(op.toXDR());
  copy.sourceAccount(xdr.MuxedAccount.keyTypeEd25519(Keypair.fromPublicKey(source).rawPublicKey()));
  return copy;
}

function federationMemo(type: string, value: string): Memo {
  switch (type) {
    case 'id':
      return Memo.id(value);
    case 'text':
      return Memo.text(value);
    case 'hash':
      return Memo.hash(Buffer.from(value, 'base64').toString('hex'));
    default:
      throw CANNOT_RESOLVE();
  }
}

/** The legacy success body: hash and ledger, plus the XDRs and, for path payments, send_amount. */
export function successBody(result: SubmitSuccess): Record<string, unknown> {
  const body: Record<string, unknown> = {
    hash: result.hash,
    ledger: result.ledger,
    envelope_xdr: result.envelope_xdr,
  };
  if (result.result_xdr) {
    body.result_xdr = result.result_xdr;
    const sendAmount = pathSendAmount(result.result_xdr, result.operationIndex);
    if (sendAmount) body.send_amount = sendAmount;
  }
  return body;
}
