// What each kind of notification is called on the email settings and
// unsubscribe screens, grouped as the settings list them.
import type { Schemas } from './api/client';

export type Kind = Schemas['NotificationKind'];

export const KIND_LABELS: Record<Kind, string> = {
  INVITATION_RECEIVED: 'A business invites you to partner',
  INVITATION_ACCEPTED: 'Your invitation is accepted',
  INVITATION_DECLINED: 'Your invitation is declined',
  INVITATION_WITHDRAWN: 'An invitation to you is withdrawn',
  TERMS_PROPOSED: 'A partner proposes new terms',
  TERMS_ACCEPTED: 'Your proposed terms are accepted',
  TERMS_REJECTED: 'Your proposed terms are not accepted',
  PARTNERSHIP_PAUSED: 'A partnership is paused',
  PARTNERSHIP_RESUMED: 'A partnership is resumed',
  PARTNERSHIP_TERMINATED: 'A partnership ends',
  SETTLEMENT_CALCULATED: 'A settlement is calculated (its review window opens)',
  SETTLEMENT_DISPUTED: 'A partner disputes a settlement',
  SETTLEMENT_RESOLVED: 'A dispute is resolved',
  SETTLEMENT_PROCESSED: 'A settlement is paid (payment notification)',
  WEBHOOK_ENDPOINT_DISABLED: 'A webhook endpoint is disabled after failing for days',
};

export const GROUPS: { title: string; kinds: Kind[] }[] = [
  { title: 'Invitations', kinds: ['INVITATION_RECEIVED', 'INVITATION_ACCEPTED', 'INVITATION_DECLINED', 'INVITATION_WITHDRAWN'] },
  { title: 'Terms', kinds: ['TERMS_PROPOSED', 'TERMS_ACCEPTED', 'TERMS_REJECTED'] },
  { title: 'Partnerships', kinds: ['PARTNERSHIP_PAUSED', 'PARTNERSHIP_RESUMED', 'PARTNERSHIP_TERMINATED'] },
  { title: 'Settlements', kinds: ['SETTLEMENT_CALCULATED', 'SETTLEMENT_DISPUTED', 'SETTLEMENT_RESOLVED', 'SETTLEMENT_PROCESSED'] },
  { title: 'Webhooks', kinds: ['WEBHOOK_ENDPOINT_DISABLED'] },
];

/** A kind named in a link, if it is one. */
export function kindOf(text: string | null): Kind | null {
  return text && Object.hasOwn(KIND_LABELS, text) ? (text as Kind) : null;
}
