// Builds the operations a wallet sends to a classic asset's Stellar Asset Contract, for use with
// localnet's dev-only SAC transfers (LocalnetOptions.devSacTransfers): `transfer(from, to, amount)`
// (`to` may be an M… address, CAP-67) and the issuer's `mint(to, amount)`. Amounts in stroops.
import { Address, Asset, Contract, nativeToScVal, type xdr } from '@stellar/stellar-sdk';

export function sacTransferOperation(o: {
  asset: Asset;
  from: string;
  to: string;
  stroops: bigint;
  networkPassphrase: string;
}): xdr.Operation {
  return new Contract(o.asset.contractId(o.networkPassphrase)).call(
    'transfer',
    Address.fromString(o.from).toScVal(),
    Address.fromString(o.to).toScVal(),
    nativeToScVal(o.stroops, { type: 'i128' }),
  );
}

export function sacMintOperation(o: {
  asset: Asset;
  to: string;
  stroops: bigint;
  networkPassphrase: string;
}): xdr.Operation {
  return new Contract(o.asset.contractId(o.networkPassphrase)).call(
    'mint',
    Address.fromString(o.to).toScVal(),
    nativeToScVal(o.stroops, { type: 'i128' }),
  );
}
