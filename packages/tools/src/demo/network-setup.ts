// Puts the two demo banks on the network: funds their accounts with friendbot,
// has bank A issue a USD asset, and opens the trustlines both banks need to
// send and receive it. Everything goes through the stellar-sdk, as a bank's
// own tooling would against testnet.
import { Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';

export interface BankAccounts {
  /** Pays out (bridge base_seed). */
  base: Keypair;
  /** Receives payments for all customers (bridge receiving_account_id, federation answers). */
  receiving: Keypair;
}

export interface NetworkSetup {
  usd: Asset;
  usdIssuer: Keypair;
  bankA: BankAccounts;
  bankB: BankAccounts;
}

export async function setUpNetwork(horizonUrl: string, networkPassphrase: string): Promise<NetworkSetup> {
  const horizon = new Horizon.Server(horizonUrl, { allowHttp: true });
  const usdIssuer = Keypair.random();
  const bankA = { base: Keypair.random(), receiving: Keypair.random() };
  const bankB = { base: Keypair.random(), receiving: Keypair.random() };
  const usd = new Asset('USD', usdIssuer.publicKey());

  for (const keypair of [usdIssuer, bankA.base, bankA.receiving, bankB.base, bankB.receiving]) {
    await horizon.friendbot(keypair.publicKey()).call();
  }
  const submit = async (source: Keypair, operations: ReturnType<typeof Operation.payment>[]) => {
    const account = await horizon.loadAccount(source.publicKey());
    const builder = new TransactionBuilder(account, { fee: '100', networkPassphrase }).setTimeout(60);
    for (const operation of operations) builder.addOperation(operation);
    const transaction = builder.build();
    transaction.sign(source);
    await horizon.submitTransaction(transaction);
  };
  // Every account that holds or receives USD trusts the issuer; the issuer then
  // gives bank A's paying account its float.
  // (Different source accounts, so these can share a ledger.)
  await Promise.all(
    [bankA.base, bankA.receiving, bankB.base, bankB.receiving].map((holder) =>
      submit(holder, [Operation.changeTrust({ asset: usd })]),
    ),
  );
  await submit(usdIssuer, [
    Operation.payment({ destination: bankA.base.publicKey(), asset: usd, amount: '100000' }),
  ]);
  return { usd, usdIssuer, bankA, bankB };
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
