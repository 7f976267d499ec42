// Standard sender_info keys of the Stellar attachment convention (Go SenderInfo).

/**
 * The standardized `sender_info` keys, in Go struct order.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export const SENDER_INFO_KEYS = [
  'first_name',
  'middle_name',
  'last_name',
  'address',
  'city',
  'province',
  'postal_code',
  'country',
  'email',
  'phone',
  'date_of_birth',
  'company_name',
] as const;

/**
 * One standard sender_info key.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export type SenderInfoKey = (typeof SENDER_INFO_KEYS)[number];

/**
 * Standard sender KYC fields; all optional.
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export type SenderInfo = Partial<Record<SenderInfoKey, string>>;

/**
 * Turns a {@link SenderInfo} into the `sender_info` map, dropping empty and unknown
 * fields (Go `SenderInfo.Map()` with `omitempty`).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function senderInfoToMap(info: SenderInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of SENDER_INFO_KEYS) {
    const value = info[key];
    if (typeof value === 'string' && value !== '') out[key] = value;
  }
  return out;
}

/**
 * Drops entries with empty values from any string map (e.g. a fetch_info answer).
 * @see https://github.com/stellar/stellar-protocol/blob/master/ecosystem/sep-0003.md
 */
export function dropEmptyFields(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== ''));
}
