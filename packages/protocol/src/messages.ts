// Human texts the legacy Go servers returned as `more_info` for invalid input.
// Services return them verbatim, so they live here once, byte-for-byte.

/**
 * Validation messages of the legacy bridge/compliance servers (govalidator custom
 * tags and `protocols/asset.go`).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const MESSAGES = {
  accountId: 'Account ID must start with `G` and contain 56 alphanum characters.',
  seed: 'Account secret must start with `S` and contain 56 alphanum characters.',
  assetCode: 'Asset code must be 1-12 alphanumeric characters.',
  stellarAddress: 'Stellar address must be of form user*domain.com',
  destination:
    'Stellar destination must be of form user*domain.com or start with `G` and contain 56 alphanum characters.',
  amount: 'Amount must be positive and have up to 7 decimal places.',
  assetCodeOrIssuerMissing: 'Asset code or issuer is missing',
  invalidAssetCode: 'Invalid asset_code',
  invalidAssetIssuer: 'Invalid asset_issuer',
} as const;
