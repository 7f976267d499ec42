// POST /builder (JSON): builds and signs, never submits. The legacy validation
// that the final Go code skipped runs here; errors name the JSON path
// (`operations[0][body][destination]`, `signers[1]`, `source`).
import type { RequestHandler } from 'express';
import { Account, Asset, Keypair, Operation, TransactionBuilder, type xdr } from '@stellar/stellar-sdk';
import { isAccountId, isAmount, isAssetCode, isSeed } from '@anchor/protocol';
import { AppError, InvalidParameterError, MissingParameterError, UpstreamError } from '@anchor/support';
import type { StellarNetwork } from '../network/stellar-network.js';

type Body = Record<string, unknown>;

function str(body: Body, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(body: Body, key: string, name: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidParameterError(name, 'Not a number.');
  return n;
}

function account(body: Body, key: string, name: string, required = true): string | undefined {
  const v = str(body, key);
  if (v === undefined) {
    if (required) throw new MissingParameterError(name);
    return undefined;
  }
  if (!isAccountId(v))
    throw new InvalidParameterError(
      name,
      'Account ID must start with `G` and contain 56 alphanum characters.',
    );
  return v;
}

function amount(body: Body, key: string, name: string, message = 'Invalid amount.'): string {
  const v = str(body, key);
  if (v === undefined) throw new MissingParameterError(name);
  if (!isAmount(v)) throw new InvalidParameterError(name, message);
  return v;
}

function asset(value: unknown, name: string, creditOnly = false): Asset {
  const a = (value ?? {}) as Body;
  const code = str(a, 'code');
  const issuer = str(a, 'issuer');
  if (!code && !issuer && !creditOnly) return Asset.native();
  if (!code || !issuer || !isAssetCode(code) || !isAccountId(issuer))
    throw new InvalidParameterError(name, 'Invalid asset.');
  return new Asset(code, issuer);
}

function price(body: Body, name: string): string {
  const v = str(body, 'price');
  if (!v || !/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
    throw new InvalidParameterError(name, 'Invalid price.');
  return v;
}

export function buildOperation(type: unknown, raw: unknown, i: number): xdr.Operation {
  const body = (raw && typeof raw === 'object' ? raw : {}) as Body;
  const n = (field: string) => `operations[${i}][body][${field}]`;
  const source = account(body, 'source', n('source'), false);
  const withSource = { ...(source ? { source } : {}) };
  switch (type) {
    case 'create_account':
      return Operation.createAccount({
        destination: account(body, 'destination', n('destination')) as string,
        startingBalance: amount(body, 'starting_balance', n('starting_balance'), 'Not a valid amount.'),
        ...withSource,
      });
    case 'payment':
      return Operation.payment({
        destination: account(body, 'destination', n('destination')) as string,
        amount: amount(body, 'amount', n('amount')),
        asset: asset(body.asset, n('asset')),
        ...withSource,
      });
    case 'path_payment': {
      const path = Array.isArray(body.path) ? body.path : [];
      if (path.length > 5) throw new InvalidParameterError(n('path'), 'A path may have at most 5 assets.');
      return Operation.pathPaymentStrictReceive({
        destination: account(body, 'destination', n('destination')) as string,
        destAmount: amount(body, 'destination_amount', n('destination_amount')),
        destAsset: asset(body.destination_asset, n('destination_asset')),
        sendMax: amount(body, 'send_max', n('send_max')),
        sendAsset: asset(body.send_asset, n('send_asset')),
        path: path.map((p, k) => asset(p, `${n('path')}[${k}]`)),
        ...withSource,
      });
    }
    case 'manage_offer': {
      const offerId = str(body, 'offer_id') ?? '0';
      if (!/^\d+$/.test(offerId)) throw new InvalidParameterError(n('offer_id'), 'Not a number.');
      return Operation.manageSellOffer({
        selling: asset(body.selling, n('selling'), true),
        buying: asset(body.buying, n('buying'), true),
        amount: amount(body, 'amount', n('amount')),
        price: price(body, n('price')),
        offerId,
        ...withSource,
      });
    }
    case 'create_passive_offer':
      return Operation.createPassiveSellOffer({
        selling: asset(body.selling, n('selling')),
        buying: asset(body.buying, n('buying')),
        amount: amount(body, 'amount', n('amount')),
        price: price(body, n('price')),
        ...withSource,
      });
    case 'set_options': {
      const flags = (key: string) => {
        const v = body[key];
        if (v === undefined || v === null) return undefined;
        if (!Array.isArray(v) || !v.every((f) => Number.isInteger(f)))
          throw new InvalidParameterError(n(key), 'Not a number.');
        return (v as number[]).reduce((acc, f) => acc | f, 0) as never;
      };
      const signer = body.signer as Body | undefined;
      let sdkSigner;
      if (signer) {
        const key = account(signer, 'public_key', `${n('signer')}[public_key]`) as string;
        sdkSigner = { ed25519PublicKey: key, weight: num(signer, 'weight', `${n('signer')}[weight]`) ?? 0 };
      }
      return Operation.setOptions({
        inflationDest: account(body, 'inflation_dest', n('inflation_dest'), false),
        setFlags: flags('set_flags'),
        clearFlags: flags('clear_flags'),
        masterWeight: num(body, 'master_weight', n('master_weight')),
        lowThreshold: num(body, 'low_threshold', n('low_threshold')),
        medThreshold: num(body, 'medium_threshold', n('medium_threshold')),
        highThreshold: num(body, 'high_threshold', n('high_threshold')),
        homeDomain: str(body, 'home_domain'),
        signer: sdkSigner,
        ...withSource,
      });
    }
    case 'change_trust': {
      const limit = str(body, 'limit');
      if (limit !== undefined && !isAmount(limit))
        throw new InvalidParameterError(n('limit'), 'Limit is not a valid amount.');
      return Operation.changeTrust({ asset: asset(body.asset, n('asset'), true), limit, ...withSource });
    }
    case 'allow_trust': {
      if (!source)
        throw new InvalidParameterError(n('source'), 'Source must be specified for AllowTrust operation.');
      const code = str(body, 'asset_code');
      if (!code || !isAssetCode(code))
        throw new InvalidParameterError(n('asset_code'), 'Asset code must be 1-12 alphanumeric characters.');
      return Operation.allowTrust({
        trustor: account(body, 'trustor', n('trustor')) as string,
        assetCode: code,
        authorize: body.authorize === true,
        source,
      });
    }
    case 'account_merge':
      return Operation.accountMerge({
        destination: account(body, 'destination', n('destination')) as string,
        ...withSource,
      });
    case 'inflation':
      return Operation.inflation({ ...withSource });
    case 'manage_data': {
      const name = typeof body.name === 'string' ? body.name : '';
      if (name.length === 0 || name.length > 64)
        throw new InvalidParameterError(n('name'), 'Name must be less than or equal 64 characters.');
      let value: Buffer | null = null;
      if (typeof body.data === 'string' && body.data !== '') {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.data))
          throw new InvalidParameterError(n('data'), 'Not a valid base64 string.');
        value = Buffer.from(body.data, 'base64');
        if (value.length > 64) throw new InvalidParameterError(n('data'), 'Data must be at most 64 bytes.');
      }
      return Operation.manageData({ name, value, ...withSource });
    }
    default:
      throw new InvalidParameterError(`operations[${i}][type]`, 'Invalid operation type.');
  }
}

export function builderHandler(network: StellarNetwork, networkPassphrase: string): RequestHandler {
  return async (req, res) => {
    if (
      !req.is('application/json') ||
      typeof req.body !== 'object' ||
      req.body === null ||
      Array.isArray(req.body)
    ) {
      throw new AppError(400, 'invalid_parameter', 'Invalid parameter.', {
        moreInfo: 'Request body is not a valid JSON',
      });
    }
    const body = req.body as Body;
    const source = str(body, 'source');
    if (!source) throw new MissingParameterError('source');
    if (!isAccountId(source))
      throw new InvalidParameterError('source', 'Source parameter must start with `G`.');
    const signers = Array.isArray(body.signers) ? body.signers : [];
    signers.forEach((s, i) => {
      if (typeof s !== 'string' || !isSeed(s))
        throw new InvalidParameterError(`signers[${i}]`, 'Signer must start with `S`.');
    });
    const ops = Array.isArray(body.operations) ? body.operations : [];
    if (ops.length === 0) throw new MissingParameterError('operations');
    if (ops.length > 100) throw new InvalidParameterError('operations', 'At most 100 operations.');
    const operations = ops.map((op, i) => {
      const o = (op ?? {}) as Body;
      return buildOperation(o.type, o.body, i);
    });
    let sequence: bigint;
    const given = body.sequence_number;
    if (given === undefined || given === null || given === '') {
      try {
        const acc = await network.loadAccount(source);
        sequence = BigInt(acc.sequence) + 1n;
      } catch (err) {
        throw new UpstreamError(
          'horizon_unavailable',
          'Cannot load the source account from Horizon.',
          err,
          500,
        );
      }
    } else {
      if (!/^\d+$/.test(String(given)))
        throw new InvalidParameterError('sequence_number', 'Sequence number must be a number');
      sequence = BigInt(String(given));
    }
    const builder = new TransactionBuilder(new Account(source, (sequence - 1n).toString()), {
      fee: String(100),
      networkPassphrase,
      timebounds: { minTime: 0, maxTime: 0 },
    });
    for (const op of operations) builder.addOperation(op);
    const tx = builder.build();
    for (const s of signers as string[]) tx.sign(Keypair.fromSecret(s));
    res.json({ transaction_envelope: tx.toEnvelope().toXDR('base64') });
  };
}
