// `anchor-local-setup`: prepares a local network (localnet) for the two banks
// of docker-compose's `local` profile: funds their accounts, issues USD and
// opens the trustlines, from development seeds given in the environment. Safe
// to run on every start: what already exists is left as it is.
import { Keypair } from '@stellar/stellar-sdk';
import { runMain } from '@anchor/support';
import { setUpNetwork } from './demo/network-setup.js';

const SEEDS = {
  usdIssuer: 'LOCAL_USD_ISSUER_SEED',
  aBase: 'BANK_A_BASE_SEED',
  aReceiving: 'BANK_A_RECEIVING_SEED',
  bBase: 'BANK_B_BASE_SEED',
  bReceiving: 'BANK_B_RECEIVING_SEED',
} as const;

runMain(async () => {
  const env = process.env;
  const missing = [...Object.values(SEEDS), 'HORIZON_URL', 'NETWORK_PASSPHRASE'].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing environment variables: ${missing.join(', ')}`);
  const key = (name: string) => Keypair.fromSecret(env[name] as string);
  const horizonUrl = env.HORIZON_URL as string;
  // localnet may still be starting when compose runs this job.
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(horizonUrl);
      break;
    } catch (err) {
      if (attempt >= 60) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const setup = await setUpNetwork(horizonUrl, env.NETWORK_PASSPHRASE as string, {
    usdIssuer: key(SEEDS.usdIssuer),
    bankA: { base: key(SEEDS.aBase), receiving: key(SEEDS.aReceiving) },
    bankB: { base: key(SEEDS.bBase), receiving: key(SEEDS.bReceiving) },
  });
  process.stdout.write(
    `local network ready: USD issued by ${setup.usdIssuer.publicKey()}; ` +
      `bank A pays from ${setup.bankA.base.publicKey()}, receives on ${setup.bankA.receiving.publicKey()}; ` +
      `bank B pays from ${setup.bankB.base.publicKey()}, receives on ${setup.bankB.receiving.publicKey()}\n`,
  );
});
