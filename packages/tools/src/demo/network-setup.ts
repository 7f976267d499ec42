// Puts the demo banks on the network: funds their accounts with friendbot, has
// an issuer give bank A a USD float, and opens the trustlines both banks need
// to send and receive it. Everything goes through the stellar-sdk, as a bank's
// own tooling would against testnet. Safe to run again on the same network
// (the compose `local-setup` job does on every `up`): what exists is kept.
import { Asset, Horizon, Keypair, Operation, TransactionBuilder, type xdr } from '@stellar/stellar-sdk';

export interface BankAccounts {
  /** Pays out (bridge base_seed). */
  base: Keypair;
  /** Receives payments for all customers (bridge receiving_account_id, federation answers). */
  receiving: Keypair;
}

export interface NetworkKeys {
  usdIssuer: Keypair;
  bankA: BankAccounts;
  bankB: BankAccounts;
}

export interface NetworkSetup extends NetworkKeys {
  usd: Asset;
}

/** USD float bank A's paying account starts with. */
export const USD_FLOAT = '100000';

/** Fresh keys for a throw-away network. */
export function randomNetworkKeys(): NetworkKeys {
  return {
    usdIssuer: Keypair.random(),
    bankA: { base: Keypair.random(), receiving: Keypair.random() },
    bankB: { base: Keypair.random(), receiving: Keypair.random() },
  };
}

export async function setUpNetwork(
  horizonUrl: string,
  networkPassphrase: string,
  keys: NetworkKeys = randomNetworkKeys(),
): Promise<NetworkSetup> {
  const horizon = new Horizon.Server(horizonUrl, { allowHttp: true });
  const { usdIssuer, bankA, bankB } = keys;
  const usd = new Asset('USD', usdIssuer.publicKey());
  const load = (keypair: Keypair) =>
    horizon.loadAccount(keypair.publicKey()).catch((err: { response?: { status?: number } }) => {
      if (err.response?.status === 404) return undefined;
      throw err;
    });

  for (const keypair of [usdIssuer, bankA.base, bankA.receiving, bankB.base, bankB.receiving]) {
    if (!(await load(keypair))) await horizon.friendbot(keypair.publicKey()).call();
  }
  const submit = async (source: Keypair, operation: xdr.Operation) => {
    const account = await horizon.loadAccount(source.publicKey());
    const transaction = new TransactionBuilder(account, { fee: '100', networkPassphrase })
      .setTimeout(60)
      .addOperation(operation)
      .build();
    transaction.sign(source);
    await horizon.submitTransaction(transaction);
  };
  const usdLine = async (holder: Keypair) =>
    (await horizon.loadAccount(holder.publicKey())).balances.find(
      (b) => 'asset_code' in b && b.asset_code === 'USD' && b.asset_issuer === usdIssuer.publicKey(),
    );
  // Every account that holds or receives USD trusts the issuer (different source
  // accounts, so these can share a ledger); the issuer then gives bank A's paying
  // account its float.
  await Promise.all(
    [bankA.base, bankA.receiving, bankB.base, bankB.receiving].map(async (holder) => {
      if (!(await usdLine(holder))) await submit(holder, Operation.changeTrust({ asset: usd }));
    }),
  );
  if ((await usdLine(bankA.base))?.balance === '0.0000000') {
    await submit(
      usdIssuer,
      Operation.payment({ destination: bankA.base.publicKey(), asset: usd, amount: USD_FLOAT }),
    );
  }
  return { ...keys, usd };
}

/** An account's balance of `asset` (or XLM), as Horizon formats it. */
export async function balanceOf(horizonUrl: string, accountId: string, asset: Asset): Promise<string> {
  const account = await new Horizon.Server(horizonUrl, { allowHttp: true }).loadAccount(accountId);
  const line = account.balances.find((b) =>
    asset.isNative()
      ? b.asset_type === 'native'
      : 'asset_code' in b && b.asset_code === asset.getCode() && b.asset_issuer === asset.getIssuer(),
  );
  return line?.balance ?? '0.0000000';
}
