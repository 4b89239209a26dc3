// Notification email (issue 26): an owner whose sign-in states an email
// address is emailed an invitation (read back from the local stack's SES,
// moto); the email's unsubscribe link works in a browser that is not
// signed in, and the owner's email settings show the change.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, onboard, run, shot, signIn } from './helpers';

const MOTO = process.env.MOTO_URL ?? 'http://127.0.0.1:5000';

async function person(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

type RawMessage = { destinations: string[]; raw_data: string };

/** The raw emails moto's SES was given for `address`. */
async function mailTo(address: string): Promise<string[]> {
  const data = (await (await fetch(`${MOTO}/moto-api/data.json`)).json()) as { ses?: { RawMessage?: RawMessage[] } };
  return (data.ses?.RawMessage ?? []).filter((m) => m.destinations.includes(address)).map((m) => m.raw_data);
}

test('an invitation is emailed, and its unsubscribe link works without signing in', async ({ browser }) => {
  const ana = await person(browser);
  const bo = await person(browser);
  const [anaUser, anaId] = [`ana-${run}@cafe.example`, `mail-cafe-${run}`];

  await signIn(ana, anaUser);
  await onboard(ana, { name: `Mail Cafe ${run}`, handle: anaId, category: 'cafe', lat: '45.51', lng: '-73.56' });
  await ana.goto('/notifications');
  await ana.getByRole('link', { name: 'Email settings' }).click();
  await expect(ana.getByRole('heading', { name: 'Email notifications' })).toBeVisible();
  await expect(ana.getByText(`Emails go to ${anaUser}.`)).toBeVisible();
  const invitations = ana.getByLabel('A business invites you to partner');
  await expect(invitations).toBeChecked();
  await accessible(ana, 'email settings');
  await shot(ana, 'email-settings');

  // Another owner invites Ana's business.
  await signIn(bo, `bo-${run}`);
  await onboard(bo, { name: `Mail Books ${run}`, handle: `mail-books-${run}`, category: 'books', lat: '45.50', lng: '-73.57' });
  await bo.goto(`/partners/${anaId}/invite`);
  await bo.getByLabel('Points Coalition (earn/redeem at both)').check();
  await bo.getByLabel('You pay (% of reward value)').fill('5');
  await bo.getByLabel('Partner pays (% of reward)').fill('5');
  await bo.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(bo.getByText("Partnership invitation sent! You'll be notified when they respond.")).toBeVisible();

  // The email reaches Ana (through the bus, the queue and the worker).
  let raw = '';
  await expect(async () => {
    raw = (await mailTo(anaUser)).find((m) => m.includes('Subject: New partnership invitation')) ?? '';
    expect(raw).not.toBe('');
  }).toPass({ timeout: 60_000 });
  expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  const link = raw.replace(/\r?\n[ \t]+/g, '').match(/unsubscribe\?token=([0-9a-f]{32})&kind=([A-Z_]+)>/);
  expect(link, raw).not.toBeNull();
  const [, token, kind] = link ?? [];
  expect(kind).toBe('INVITATION_RECEIVED');

  // The link, opened where nobody is signed in: nothing happens until the
  // person confirms.
  const stranger = await person(browser);
  await stranger.goto(`/unsubscribe?token=${token}&kind=${kind}`);
  await expect(stranger.getByRole('heading', { name: 'Unsubscribe' })).toBeVisible();
  await expect(stranger.getByText('Stop emails when "a business invites you to partner"?')).toBeVisible();
  await accessible(stranger, 'unsubscribe');
  await stranger.getByRole('button', { name: 'Unsubscribe' }).click();
  await expect(stranger.getByText(/Done: you won't get emails when "a business invites you to partner" any more/)).toBeVisible();
  await shot(stranger, 'unsubscribed');
  // A link that was tampered with is refused.
  await stranger.goto(`/unsubscribe?token=${'0'.repeat(32)}`);
  await stranger.getByRole('button', { name: 'Unsubscribe' }).click();
  await expect(stranger.getByText('This unsubscribe link is not valid.', { exact: false })).toBeVisible();

  // Ana's settings show it; she turns settlements' payment notice off too.
  await ana.reload();
  await expect(invitations).not.toBeChecked();
  const paid = ana.getByLabel('A settlement is paid (payment notification)');
  await expect(paid).toBeChecked();
  await paid.uncheck();
  await ana.getByRole('button', { name: 'Save' }).click();
  await expect(ana.getByText('Your email settings are saved.')).toBeVisible();
  await ana.reload();
  await expect(paid).not.toBeChecked();
  await expect(ana.getByLabel('A partnership is paused')).toBeChecked();
});
