// `POST /allow_access` and `/remove_access` (internal): the allow lists that let
// the auth endpoint disclose our customers' details without asking them.
import { AlreadyAllowedError } from '../errors.js';
import type { ComplianceStore } from '../stores/compliance.store.js';

export interface AllowAccessRequest {
  name: string;
  domain: string;
  publicKey: string;
  /** Set: allow only this user of the institution. Absent: the whole institution. */
  userId?: string;
}

export class AccessService {
  constructor(
    private readonly store: ComplianceStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** @throws AlreadyAllowedError when an entry for that institution (or user) exists */
  async allow(request: AllowAccessRequest): Promise<void> {
    const domain = request.domain.toLowerCase();
    const inserted =
      request.userId !== undefined
        ? await this.store.allowUser(
            {
              fiName: request.name,
              fiDomain: domain,
              fiPublicKey: request.publicKey,
              userId: request.userId,
            },
            this.now(),
          )
        : await this.store.allowFi({ name: request.name, domain, publicKey: request.publicKey }, this.now());
    if (!inserted) throw new AlreadyAllowedError();
  }

  /** Removing what is not there is not an error. */
  async remove(domain: string, userId?: string): Promise<void> {
    if (userId !== undefined) await this.store.removeUser(domain.toLowerCase(), userId);
    else await this.store.removeFi(domain.toLowerCase());
  }
}
