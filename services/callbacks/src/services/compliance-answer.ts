// The answer a compliance callback gives (reference §3.10): 200 ok, 202
// {"pending": seconds}, 403 denied. (400 {"error"} is for bad input.)
export type ComplianceAnswer =
  { status: 'ok' } | { status: 'pending'; pending: number } | { status: 'denied' };

/** `sender` as SEP-3 sends it: a flat JSON object of strings (sender_info). */
export type SenderInfo = Record<string, string>;

/** The person's full name as written, and any company name, for screening and screens. */
export function senderNames(info: SenderInfo): string[] {
  const names: string[] = [];
  const full = [info.first_name, info.middle_name, info.last_name]
    .map((part) => (part ?? '').trim())
    .filter(Boolean)
    .join(' ');
  if (full) names.push(full);
  for (const key of ['name', 'full_name', 'company_name']) {
    const value = info[key]?.trim();
    if (value && !names.includes(value)) names.push(value);
  }
  return names;
}
