// Test fixtures (not exported) shared by the compliance tests.

/** The attachment of the SEP-3 example request, as the Go sender marshals it. */
export const SEP3_ATTACHMENT =
  '{"nonce":"1488805458327055805","transaction":{"sender_info":{"address":"678 Mission St","city":"San Francisco",' +
  '"country":"US","first_name":"Aldi","last_name":"Dobbs"},"route":"1","note":"","extra":""},"operations":null}';

/** Signing seed of the Go compliance tests and its account id. */
export const SIGNING_SEED = 'SDWTLFPALQSP225BSMX7HPZ7ZEAYSUYNDLJ5QI3YGVBNRUIIELWH3XUV';
export const SIGNING_KEY = 'GBYJZW5XFAI6XV73H5SAIUYK6XZI4CGGVBUBO3ANA2SV7KKDAXTV6AEB';
/** The same key pair as raw bytes, decoded from the strkeys independently (Python base32). */
export const SIGNING_SEED_RAW_HEX = 'ed3595e05c24fd6ba1932ff3bf3fc90189530d1ad3d823783542d8d10822ec7d';
export const SIGNING_KEY_RAW_HEX = '709cdbb72811ebd7fb3f6404530af5f28e08c6a868176c0d06a55fa94305e75f';

/** Accounts used by the Go compliance tests. */
export const SOURCE = 'GAW77Z6GPWXSODJOMF5L5BMX6VMYGEJRKUNBC2CZ725JTQZORK74HQQD';
export const DESTINATION = 'GAMVF7G4GJC4A7JMFJWLUAEIBFQD5RT3DCB5DC5TJDEKQBBACQ4JZVEE';
export const TESTNET = 'Test SDF Network ; September 2015';
