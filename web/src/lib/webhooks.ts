// The events a business's webhook endpoint may subscribe to (the partner
// events of docs/api/asyncapi.yaml), in words.
export const WEBHOOK_EVENTS: { type: string; label: string }[] = [
  { type: 'partner.partnership.created', label: 'Invitation sent or received' },
  { type: 'partner.partnership.accepted', label: 'Invitation accepted' },
  { type: 'partner.partnership.activated', label: 'Partnership active (accepted or resumed)' },
  { type: 'partner.partnership.paused', label: 'Partnership paused' },
  { type: 'partner.partnership.terminated', label: 'Partnership ended, declined or withdrawn' },
  { type: 'partner.partnership.terms_proposed', label: 'Terms proposed' },
  { type: 'partner.partnership.terms_answered', label: 'Terms accepted or rejected' },
  { type: 'partner.transaction.recorded', label: 'Transaction recorded' },
  { type: 'partner.settlement.calculated', label: 'Settlement calculated' },
  { type: 'partner.settlement.disputed', label: 'Settlement disputed' },
  { type: 'partner.settlement.resolved', label: 'Dispute resolved' },
  { type: 'partner.settlement.processed', label: 'Settlement paid' },
];

/** What an endpoint receives, in words: "All events" or the labels. */
export function describeEvents(types: string[]): string {
  if (types.includes('*')) return 'All events';
  return types.map((t) => WEBHOOK_EVENTS.find((e) => e.type === t)?.label ?? t).join(', ');
}
