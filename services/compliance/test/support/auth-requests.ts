// Builds auth requests the way a sending bank does, with the protocol package,
// for tests that talk to a receiver's auth endpoint directly.
import { Asset, Keypair, Operation } from '@stellar/stellar-sdk';
import {
  attachmentMemoHash,
  buildAuthTransaction,
  createAuthRequest,
  encodeAuthRequest,
  serializeAttachment,
  type AttachmentInput,
} from '@anchor/protocol';
import { NETWORK_PASSPHRASE } from './bank.js';

export const SOURCE = Keypair.random().publicKey();
export const DESTINATION = Keypair.random().publicKey();
export const ISSUER = Keypair.random().publicKey();

let counter = 0;
/** A fresh nonce per call (unix-nanosecond style). */
export function freshNonce(): string {
  counter++;
  return `${Date.now()}${String(counter).padStart(6, '0')}`;
}

export interface AuthRequestInput {
  seed: string;
  sender: string;
  needInfo?: boolean;
  attachment?: AttachmentInput;
  /** Use this attachment text verbatim (skips serialization). */
  attachmentText?: string;
  /** Memo hash to put in the tx; default sha256(attachment). */
  memoHash?: Buffer;
  amount?: string;
}

export interface BuiltAuthRequest {
  data: string;
  sig: string;
  tx: string;
  attachment: string;
  body: string;
}

export function buildAuthRequest(input: AuthRequestInput): BuiltAuthRequest {
  const attachment =
    input.attachmentText ??
    serializeAttachment({
      nonce: freshNonce(),
      transaction: {
        sender_info: { first_name: 'Alice', last_name: 'Doe', country: 'US' },
        route: 'bob',
        note: 'rent',
        extra: '',
      },
      operations: null,
      ...input.attachment,
    });
  const tx = buildAuthTransaction({
    source: SOURCE,
    operations: [
      Operation.payment({
        source: SOURCE,
        destination: DESTINATION,
        asset: new Asset('USD', ISSUER),
        amount: input.amount ?? '20',
      }),
    ],
    memoHash: input.memoHash ?? attachmentMemoHash(attachment),
    networkPassphrase: NETWORK_PASSPHRASE,
  });
  const request = createAuthRequest(input.seed, {
    sender: input.sender,
    need_info: input.needInfo ?? false,
    tx,
    attachment,
  });
  return { ...request, tx, attachment, body: encodeAuthRequest(request) };
}
