// @anchor/protocol: the pure Stellar protocol library shared by the anchor services
// (SEP-1 stellar.toml, SEP-2 federation, SEP-3 compliance, SEP-4 tx_status).
// No framework, database, logger or process environment: everything is passed in.

export { ProtocolError, isProtocolError } from './errors.js';
export type { ProtocolErrorCode, ProtocolErrorOptions } from './errors.js';
export { MESSAGES } from './messages.js';

export { isValidDomain, domainHost, hostMatches, DEV_HTTP_DOMAINS, MAX_DOMAIN_LENGTH } from './domain.js';
export { parseStellarAddress, isStellarAddress, formatStellarAddress } from './address.js';
export type { StellarAddress } from './address.js';
export {
  isAccountId,
  isMuxedAccountId,
  isSeed,
  isStellarDestination,
  parseClaimableBalanceId,
} from './keys.js';
export { parseAsset, isAssetCode, toSdkAsset, assetToPair, MAX_ASSET_CODE_LENGTH } from './asset.js';
export type { Asset, NativeAsset, CreditAsset } from './asset.js';
export {
  isAmount,
  amountToStroops,
  stroopsToAmount,
  compareAmounts,
  STROOPS_PER_UNIT,
  MAX_AMOUNT_STROOPS,
  MAX_AMOUNT,
} from './amount.js';
export {
  parsePathForm,
  encodePathForm,
  parseForwardDestination,
  encodeForwardDestination,
  encodeFormGoStyle,
  goQueryEscape,
  compareUtf8,
  toWellFormed,
  MAX_PATH_LENGTH,
} from './form.js';
export type { PathAssetForm, ForwardDestination, FormValues } from './form.js';

export {
  parseStellarToml,
  STELLAR_TOML_MAX_SIZE,
  STELLAR_TOML_WELL_KNOWN_PATH,
} from './stellar-toml/parse.js';
export {
  stellarTomlSchema,
  stellarTomlCurrencySchema,
  stellarTomlDocumentationSchema,
} from './stellar-toml/schema.js';
export type { StellarToml, StellarTomlCurrency, StellarTomlDocumentation } from './stellar-toml/schema.js';
export {
  StellarTomlResolver,
  STELLAR_TOML_CACHE_TTL_MS,
  STELLAR_TOML_FAILURE_TTL_MS,
  STELLAR_TOML_CACHE_MAX_ENTRIES,
  STELLAR_TOML_CACHE_MAX_BYTES,
  RESOLVED_STELLAR_TOML_KEYS,
} from './stellar-toml/resolver.js';
export type {
  StellarTomlResolverOptions,
  ResolvedStellarToml,
  StellarTomlCacheStats,
} from './stellar-toml/resolver.js';
export { validateStellarTomlForPublishing, STELLAR_TOML_ENDPOINT_KEYS } from './stellar-toml/publishing.js';
export type { StellarTomlProblem, PublishingOptions } from './stellar-toml/publishing.js';

export { FederationClient, FEDERATION_RESPONSE_MAX_SIZE } from './federation/client.js';
export type {
  FederationClientOptions,
  FederationQueryType,
  FederationNameRecord,
  FederationIdRecord,
} from './federation/client.js';
export { parseFederationResponse, FEDERATION_MEMO_TYPES } from './federation/response.js';
export type { FederationRecord, FederationMemoType } from './federation/response.js';

export { AUTH_STATUSES, TRANSACTION_STATUSES } from './compliance/types.js';
export type {
  AuthStatus,
  AuthRequest,
  AuthData,
  Attachment,
  AttachmentInput,
  AttachmentTransaction,
  AttachmentOperation,
  AuthResponse,
  TransactionStatus,
  TransactionStatusResponse,
} from './compliance/types.js';
export { goJsonString, goJsonStringMap } from './compliance/go-json.js';
export { serializeAttachment, parseAttachment } from './compliance/attachment.js';
export { serializeAuthData, parseAuthData } from './compliance/auth-data.js';
export {
  signAuthData,
  verifyAuthSignature,
  isSignatureShaped,
  isBase64,
  ED25519_SIGNATURE_LENGTH,
} from './compliance/signature.js';
export {
  attachmentMemoHash,
  attachmentMemoHashBase64,
  authTransactionHash,
  ENVELOPE_TYPE_TX,
} from './compliance/hashes.js';
export {
  buildAuthTransaction,
  parseAuthTransaction,
  transactionMemoHash,
  AUTH_TRANSACTION_BASE_FEE,
} from './compliance/auth-transaction.js';
export type { BuildAuthTransactionInput } from './compliance/auth-transaction.js';
export {
  parseAuthRequest,
  checkMemoHash,
  createAuthRequest,
  encodeAuthRequest,
} from './compliance/auth-request.js';
export type { ParsedAuthRequest } from './compliance/auth-request.js';
export {
  serializeAuthResponse,
  parseAuthResponse,
  authResponseHttpStatus,
} from './compliance/auth-response.js';
export {
  serializeTransactionStatusResponse,
  parseTransactionStatusResponse,
} from './compliance/tx-status.js';
export { SENDER_INFO_KEYS, senderInfoToMap, dropEmptyFields } from './compliance/sender-info.js';
export type { SenderInfo, SenderInfoKey } from './compliance/sender-info.js';

export { HORIZON_RESULT_CODES, horizonResultCode } from './horizon-result-codes.js';
