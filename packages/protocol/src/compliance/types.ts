// SEP-3 (compliance) and SEP-4 (tx_status) wire types, named after the JSON keys.

/** Status values of an auth response. @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md */
export const AUTH_STATUSES = ['ok', 'pending', 'denied', 'error'] as const;
/**
 * `info_status` / `tx_status` of an {@link AuthResponse}.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export type AuthStatus = (typeof AUTH_STATUSES)[number];

/**
 * The form an auth request is POSTed as: `data` (AuthData JSON text) and `sig`
 * (base64 ed25519 signature over the exact `data` bytes).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface AuthRequest {
  data: string;
  sig: string;
}

/**
 * The JSON object inside `data`.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface AuthData {
  /** Stellar address of the customer initiating the payment. */
  sender: string;
  /** Whether the sender wants the recipient's KYC (`dest_info`). */
  need_info: boolean;
  /**
   * Base64 XDR of the unsigned, sequence-0 `Transaction` (not an envelope); a
   * `TransactionV0` body (final Go sender) is accepted too.
   */
  tx: string;
  /** The attachment JSON *as a string*; the tx memo hash is sha256 of these bytes. */
  attachment: string;
}

/**
 * Per-operation overrides inside an attachment.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface AttachmentOperation {
  sender_info: Record<string, string> | null;
  route: string;
  note: string;
}

/**
 * The `transaction` object of an attachment.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface AttachmentTransaction {
  /** KYC of the sender, see {@link SENDER_INFO_KEYS}. `null` = Go nil map. */
  sender_info: Record<string, string> | null;
  /** Recipient route at the receiving FI (the federation memo); always a string. */
  route: string;
  note: string;
  extra: string;
}

/**
 * The SEP-3 attachment (Stellar attachment convention).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface Attachment {
  /** Unique per payment; the Go sender uses unix nanoseconds as a decimal string. */
  nonce: string;
  transaction: AttachmentTransaction;
  /** `null` (Go nil slice) when absent. */
  operations: AttachmentOperation[] | null;
}

/**
 * Input to {@link serializeAttachment}: omitted fields take Go's zero values.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface AttachmentInput {
  nonce?: string;
  transaction?: Partial<AttachmentTransaction>;
  operations?: ReadonlyArray<Partial<AttachmentOperation>> | null;
}

/**
 * Answer of an auth server.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export interface AuthResponse {
  info_status: AuthStatus;
  tx_status: AuthStatus;
  /** Recipient KYC JSON text (only with info_status ok). */
  dest_info?: string;
  /** Seconds until the sender should retry (with a pending status). */
  pending?: number;
  /** Error text (with an error status). */
  error?: string;
}

/** SEP-4 transaction statuses. @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0004.md */
export const TRANSACTION_STATUSES = [
  'unknown',
  'approved',
  'not_approved',
  'pending',
  'failed',
  'refunded',
  'claimable',
  'delivered',
] as const;
/**
 * A SEP-4 transaction status.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0004.md
 */
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/**
 * SEP-4 `GET /tx_status` answer.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0004.md
 */
export interface TransactionStatusResponse {
  status: TransactionStatus;
  recv_code?: string;
  refund_tx?: string;
  msg?: string;
}
