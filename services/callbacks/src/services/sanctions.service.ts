// The sanctions callback: screens a sender's names against the list. Exact hits
// are denied at once (recorded as confirmed; an operator may still clear a
// false positive), fuzzy hits stay pending until an operator clears or
// confirms them. One decision covers the same person (normalised name and date
// of birth) against the same listed entry, so a retry, or the next payment from
// a cleared person, gets the decision without asking again.
import { createHash } from 'node:crypto';
import { InvalidParameterError } from '@anchor/support';
import type { NameScreener } from '../sanctions/matcher.js';
import { nameTokens } from '../sanctions/matcher.js';
import type { SanctionsHit, SanctionsHitsStore } from '../stores/approvals.store.js';
import { senderNames, type ComplianceAnswer, type SenderInfo } from './compliance-answer.js';

export class SanctionsService {
  constructor(
    private readonly screener: NameScreener,
    private readonly hits: SanctionsHitsStore,
    private readonly pendingSeconds: number,
  ) {}

  /** @throws InvalidParameterError (`sender`) when sender_info carries no name to screen. */
  async screen(info: SenderInfo): Promise<ComplianceAnswer> {
    const names = senderNames(info);
    if (names.length === 0)
      throw new InvalidParameterError('sender', 'sender_info has no name to screen (first_name/last_name).');
    const match = this.screener.screen(names);
    if (!match) return { status: 'ok' };
    const dateOfBirth = info.date_of_birth?.trim() ?? '';
    const screeningKey = createHash('sha256')
      .update(
        JSON.stringify([[...nameTokens(match.screenedName)].sort().join(' '), dateOfBirth, match.entryId]),
      )
      .digest('hex');
    const hit = await this.hits.findOrCreate(
      {
        screening_key: screeningKey,
        screened_name: match.screenedName.slice(0, 255),
        date_of_birth: dateOfBirth.slice(0, 32),
        sender_info: JSON.stringify(info),
        entry_id: match.entryId,
        entry_name: match.entryName.slice(0, 255),
        kind: match.kind,
        score_permille: Math.round(match.score * 1000),
      },
      match.kind === 'exact' ? 'confirmed' : 'pending',
    );
    return this.answer(hit);
  }

  private answer(hit: SanctionsHit): ComplianceAnswer {
    if (hit.status === 'cleared') return { status: 'ok' };
    if (hit.status === 'confirmed') return { status: 'denied' };
    return { status: 'pending', pending: this.pendingSeconds };
  }

  decide(id: number, decision: 'cleared' | 'confirmed'): Promise<boolean> {
    return this.hits.decide(id, decision);
  }

  list(limit = 200): Promise<SanctionsHit[]> {
    return this.hits.list(limit);
  }

  countPending(): Promise<number> {
    return this.hits.countPending();
  }
}
