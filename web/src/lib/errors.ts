// What a refusal means to the person in front of the screen, by the API's
// stable codes (docs/api/openapi.yaml's x-error-codes); the API's own
// message is shown for the rest.
import { Refusal } from './api/client';

const MESSAGES: Record<string, string> = {
  NETWORK: 'The service could not be reached. Check your connection and try again.',
  TOKEN_EXPIRED: 'Your session has ended. Please sign in again.',
  RATE_LIMITED: 'Too many requests from your business just now. Please wait a minute and try again.',
  OWNER_ONLY: "Only the business's owner can do this.",
  NOT_A_BUSINESS_USER: 'Your account does not belong to a business yet.',
  PARTNERSHIP_NOT_FOUND: 'Not found: this partnership does not exist or is not one of yours.',
  BUSINESS_NOT_FOUND: 'Not found: there is no such business.',
  BUSINESS_ID_TAKEN: 'That business handle is taken. Choose another.',
  ALREADY_A_MEMBER: 'You already belong to a business.',
  PARTNERSHIP_EXISTS: 'You already have an open partnership or invitation with this business.',
  INVALID_PARTNER: 'A business cannot partner with itself.',
  PARTNER_NOT_AVAILABLE: 'This business is not taking new partners right now.',
  BUSINESS_NOT_REGISTERED: 'Register your business before inviting partners.',
  INVALID_CONFIG: 'Unable to create partnership. Please check the partnership settings.',
  TERMS_CHANGED: 'The inviter changed the terms since you opened them. Review the new terms before accepting.',
  INVALID_TERMS: 'Unable to create partnership. Please check revenue sharing configuration.',
  INVITATION_NOT_FOUND: 'No invitation has that code.',
  INVITATION_EXPIRED: 'That invitation has expired. Ask the owner for a new one.',
  UNSUBSCRIBE_TOKEN_UNKNOWN: 'This unsubscribe link is not valid. Sign in and choose your emails under Notifications.',
  KIND_NOT_ALLOWED: 'That notification goes to owners only.',
  INVALID_EXPOSURE_LIMIT: 'Enter a limit up to $10,000,000, or leave it empty for no limit.',
  INVITATION_FOR_ANOTHER_EMAIL: 'That invitation was sent to another email address.',
  LAST_OWNER: 'A business keeps at least one owner.',
  GEOCODING_UNAVAILABLE: 'Address lookup is not available here. Enter the latitude and longitude below.',
  GEOCODING_FAILED: 'The address lookup failed. Try again, or enter the latitude and longitude below.',
  INVALID_ADDRESS: 'Enter an address of 3 to 300 characters.',
  NOTHING_TO_SETTLE: 'The last ended period had no transactions: there is nothing to settle.',
  SETTLEMENT_NOT_FOUND: 'Not found: there is no settlement for this period.',
  SETTLEMENT_NOT_DISPUTABLE: 'This settlement can no longer be disputed.',
  REVIEW_PERIOD_OVER: 'The 7-day review is over: the settlement is being paid as calculated.',
  SETTLEMENT_CHANGED: 'The settlement changed while you were reading it. Reload the page and try again.',
  SETTLEMENT_NOT_DISPUTED: 'This settlement is not disputed.',
  SETTLEMENT_DRIFT: "The period's lines and totals disagree; it stays unsettled until they are reconciled. Try again later.",
  INVALID_LINES: 'One of the chosen lines is not part of this settlement.',
  INVALID_MONTH: 'Choose a month such as 2026-12.',
  INVALID_WEBHOOK_URL: 'Enter an https address on port 443 whose host is public (not a private or local address).',
  WEBHOOK_ENDPOINT_LIMIT: 'A business has at most 10 webhook endpoints. Delete one first.',
  WEBHOOK_ENDPOINT_NOT_FOUND: 'Not found: this endpoint does not exist or is not yours.',
  WEBHOOK_DELIVERY_PENDING: 'This delivery is still being retried.',
  NOT_PARTNERED: 'You can review a business only after partnering with it.',
  NOT_THE_REVIEWER: 'Only the business that pays this settlement (or the platform) can release it. You can dispute it.',
  SETTLEMENT_NOT_HELD: 'This settlement is no longer held.',
  INVALID_ANOMALY_RULES: 'Check the thresholds: each is a whole number in its range.',
};

export function describe(error: unknown): string {
  if (error instanceof Refusal) return MESSAGES[error.code] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Refusal && error.status === 404;
}

/** A refusal with this code (`409 NO_POINTS_PROGRAM`, ...). */
export function isConflict(error: unknown, code: string): boolean {
  return error instanceof Refusal && error.code === code;
}
