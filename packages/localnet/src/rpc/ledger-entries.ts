// getLedgerEntries' view of localnet's state: a LedgerKey (account, trustline or data; localnet
// holds no offers, claimable balances, pools or contract state, so those keys are never found)
// mapped to the LedgerEntry stellar-core would store for it.
import { StrKey, xdr } from '@stellar/stellar-sdk';
import { trustlineKey, type AccountEntry, type AccountReader } from '../ledger-state.js';

export interface FoundEntry {
  data: xdr.LedgerEntryData;
  lastModifiedLedgerSeq: number;
}

export function lookupEntry(state: AccountReader, key: xdr.LedgerKey): FoundEntry | undefined {
  switch (key.switch().name) {
    case 'account': {
      const a = state.get(StrKey.encodeEd25519PublicKey(key.account().accountId().ed25519()));
      return (
        a && { data: xdr.LedgerEntryData.account(accountXdr(a)), lastModifiedLedgerSeq: a.lastModifiedLedger }
      );
    }
    case 'trustline': {
      const k = key.trustLine();
      const asset = k.asset();
      const arm = asset.switch().name;
      if (arm !== 'assetTypeCreditAlphanum4' && arm !== 'assetTypeCreditAlphanum12') return undefined;
      const credit = arm === 'assetTypeCreditAlphanum4' ? asset.alphaNum4() : asset.alphaNum12();
      const code = credit.assetCode().toString('latin1').replace(/\0+$/, '');
      const issuer = StrKey.encodeEd25519PublicKey(credit.issuer().ed25519());
      const owner = state.get(StrKey.encodeEd25519PublicKey(k.accountId().ed25519()));
      const tl = owner?.trustlines.get(trustlineKey(code, issuer));
      if (!owner || !tl) return undefined;
      const entry = new xdr.TrustLineEntry({
        accountId: k.accountId(),
        asset,
        balance: xdr.Int64.fromString(tl.balance.toString()),
        limit: xdr.Int64.fromString(tl.limit.toString()),
        flags: tl.flags,
        ext: new xdr.TrustLineEntryExt(0),
      });
      return { data: xdr.LedgerEntryData.trustline(entry), lastModifiedLedgerSeq: tl.lastModifiedLedger };
    }
    case 'data': {
      const k = key.data();
      const name = k.dataName().toString();
      const owner = state.get(StrKey.encodeEd25519PublicKey(k.accountId().ed25519()));
      const d = owner?.data.get(name);
      if (!d) return undefined;
      const entry = new xdr.DataEntry({
        accountId: k.accountId(),
        dataName: k.dataName(),
        dataValue: d.value,
        ext: new xdr.DataEntryExt(0),
      });
      return { data: xdr.LedgerEntryData.data(entry), lastModifiedLedgerSeq: d.lastModifiedLedger };
    }
    default:
      return undefined;
  }
}

function accountXdr(a: AccountEntry): xdr.AccountEntry {
  const signers = a.signers
    .map((s) => new xdr.Signer({ key: signerKey(s.key), weight: s.weight }))
    // stellar-core keeps signers sorted by key.
    .sort((x, y) => Buffer.compare(x.key().toXDR(), y.key().toXDR()));
  return new xdr.AccountEntry({
    accountId: xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(a.id)),
    balance: xdr.Int64.fromString(a.balance.toString()),
    seqNum: xdr.Int64.fromString(a.seqNum.toString()),
    numSubEntries: a.numSubEntries,
    inflationDest: a.inflationDest
      ? xdr.PublicKey.publicKeyTypeEd25519(StrKey.decodeEd25519PublicKey(a.inflationDest))
      : null,
    flags: a.flags,
    homeDomain: a.homeDomain,
    thresholds: Buffer.from([a.masterWeight, a.lowThreshold, a.medThreshold, a.highThreshold]),
    signers,
    ext: new xdr.AccountEntryExt(0),
  });
}

function signerKey(key: string): xdr.SignerKey {
  if (key.startsWith('G')) return xdr.SignerKey.signerKeyTypeEd25519(StrKey.decodeEd25519PublicKey(key));
  if (key.startsWith('T')) return xdr.SignerKey.signerKeyTypePreAuthTx(StrKey.decodePreAuthTx(key));
  return xdr.SignerKey.signerKeyTypeHashX(StrKey.decodeSha256Hash(key));
}
