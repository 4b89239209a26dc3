// Web app I's proof (issue 24): two owners sign in through the local OIDC
// form in two browser contexts, onboard, A finds B in the directory by
// category and radius, opens B's profile, configures 5% with the preview
// showing $0.25 for a $5 reward, sends the invitation; B accepts; both see
// it active. Staff see no owner actions; a third business gets "not found".
// Every screen passes axe (no serious or critical violations) and is kept
// as a screenshot.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, onboard, run, shot, signIn } from './helpers';

// Script errors and anything the Content Security Policy blocked, on any page.
const problems: string[] = [];

async function person(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
  return page;
}

test('two owners partner through the web app; staff and outsiders are held back', async ({ browser }) => {
  const a = await person(browser);
  const b = await person(browser);
  const [aId, bId, cId] = [`cafe-${run}`, `bakery-${run}`, `other-${run}`];

  // B first, so A can find it: a bakery about a kilometre from A.
  await signIn(b, `ben-${run}`);
  await b.goto('/onboarding');
  await accessible(b, 'onboarding');
  await shot(b, 'onboarding');
  await onboard(b, { name: `Ben's Bakery ${run}`, handle: bId, category: 'bakery', lat: '45.5080', lng: '-73.5610' });

  await signIn(a, `ana-${run}`);
  await onboard(a, { name: `Ana's Cafe ${run}`, handle: aId, category: 'cafe', address: '1 Main St, Montreal' });
  await a.goto(`/partners/${aId}`);
  await expect(a.getByText('1 Main St, Montreal')).toBeVisible();
  await a.goto('/directory');

  // The directory: by category and radius.
  await a.getByLabel('Category').fill('bakery');
  await a.getByLabel('Radius').selectOption('5');
  await a.getByRole('button', { name: 'Find Partners' }).click();
  const card = a.getByRole('listitem').filter({ has: a.getByRole('heading', { name: `Ben's Bakery ${run}` }) });
  await expect(card).toBeVisible();
  await expect(card).toContainText('miles away');
  await expect(card).toContainText('No reviews yet');
  await accessible(a, 'directory');
  await shot(a, 'directory');

  // B's profile.
  await card.getByRole('link', { name: /View Profile/ }).click();
  await expect(a.getByRole('heading', { level: 1, name: `Ben's Bakery ${run}` })).toBeVisible();
  await expect(a.getByText('0 active partnerships')).toBeVisible();
  await accessible(a, 'profile');
  await shot(a, 'profile');

  // Configure: points coalition, 5% both ways; the preview from the API.
  await a.getByRole('link', { name: 'Send Invitation' }).click();
  await expect(a.getByRole('heading', { name: `Configure Partnership with Ben's Bakery ${run}` })).toBeVisible();
  await a.getByLabel('Points Coalition (earn/redeem at both)').check();
  await a.getByLabel('You pay (% of reward value)').fill('5');
  await a.getByLabel('Partner pays (% of reward)').fill('5');
  await expect(a.getByTestId('preview-you-owe')).toHaveText('You owe partner: $0.25 (5% of $5)');
  // A bad share is caught at its field.
  await a.getByLabel('You pay (% of reward value)').fill('120');
  await expect(a.getByText('Enter a percentage from 0 to 100, with at most two decimals.')).toBeVisible();
  await a.getByLabel('You pay (% of reward value)').fill('5');
  await accessible(a, 'configure');
  await shot(a, 'configure');
  // A double click sends one invitation.
  await a.getByRole('button', { name: 'Send Invitation' }).dblclick();
  await expect(a.getByText("Partnership invitation sent! You'll be notified when they respond.")).toBeVisible();
  await expect(a.getByTestId('status')).toHaveText('PENDING');
  const partnershipUrl = a.url().replace(/\?.*$/, '');
  await a.goto('/partnerships');
  await expect(a.getByRole('heading', { name: 'Invitations sent (1)' })).toBeVisible();

  // B sees it, reads the terms and accepts exactly that version.
  await b.goto('/partnerships');
  await expect(b.getByRole('heading', { name: 'Invitations received (1)' })).toBeVisible();
  await accessible(b, 'partnerships');
  await shot(b, 'partnerships');
  await b.getByRole('link', { name: aId }).click();
  await expect(b.getByTestId('terms-in-force')).toHaveText('You pay 5% of reward value; partner pays 5%; settled monthly');
  await b.getByRole('button', { name: 'Accept terms (version 1)' }).click();
  await expect(b.getByText('Partnership accepted: it is active.')).toBeVisible();
  await expect(b.getByTestId('status')).toHaveText('ACTIVE');
  await accessible(b, 'partnership');
  await shot(b, 'partnership');
  await a.goto(partnershipUrl);
  await expect(a.getByTestId('status')).toHaveText('ACTIVE');

  // New terms: A proposes, B sees them beside the terms in force and accepts that version.
  await a.getByRole('button', { name: 'Propose new terms' }).click();
  await a.getByLabel('You pay (% of reward value)').fill('6');
  await expect(a.getByTestId('preview-you-owe')).toHaveText('You owe partner: $0.30 (6% of $5)');
  await a.getByRole('button', { name: 'Send proposal' }).click();
  await expect(a.getByText('Terms proposed: your partner will be asked to accept them.')).toBeVisible();
  await expect(a.getByRole('button', { name: 'Withdraw proposal' })).toBeVisible();
  await b.reload();
  await expect(b.getByRole('heading', { name: 'Proposed terms (version 2)' })).toBeVisible();
  await expect(b.getByTestId('terms-in-force')).toHaveText('You pay 5% of reward value; partner pays 5%; settled monthly');
  await b.getByRole('button', { name: 'Accept proposal (version 2)' }).click();
  await expect(b.getByText('New terms accepted: they are in force.')).toBeVisible();
  await expect(b.getByTestId('terms-in-force')).toHaveText('You pay 5% of reward value; partner pays 6%; settled monthly');

  // Pause with a reason (confirmed); only the business that paused resumes.
  await a.reload();
  await a.getByRole('button', { name: 'Pause' }).click();
  await a.getByRole('dialog').getByLabel('Reason (your partner sees it)').fill('Closed for renovation');
  await a.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
  await expect(a.getByTestId('status')).toHaveText('PAUSED');
  await b.reload();
  await expect(b.getByTestId('status')).toHaveText('PAUSED');
  await expect(b.getByText('(Closed for renovation)')).toBeVisible();
  await expect(b.getByRole('button', { name: 'Resume' })).toHaveCount(0);
  await a.getByRole('button', { name: 'Resume' }).click();
  await a.getByRole('dialog').getByLabel('Reason (your partner sees it)').fill('Open again');
  await a.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
  await expect(a.getByTestId('status')).toHaveText('ACTIVE');

  // The dashboard: the overview and a card for B.
  await a.getByRole('link', { name: 'My Partner Network' }).click();
  await expect(a.getByText('1 active partnership', { exact: true })).toBeVisible();
  const partnerCard = a.getByRole('list', { name: 'Partners' }).getByRole('listitem').filter({ has: a.getByRole('heading', { name: `Ben's Bakery ${run}` }) });
  await expect(partnerCard.getByTestId('live-for')).toHaveText('(less than a month)');
  await expect(partnerCard).toContainText('0 cross-transactions');
  await expect(partnerCard).toContainText('Net: $0.00');
  await accessible(a, 'dashboard');
  await shot(a, 'dashboard');

  // A invites staff; the staff member joins with the code and sees no owner actions.
  await a.goto('/team');
  await a.getByLabel('Email').fill(`sam-${run}@example.com`);
  await a.getByRole('button', { name: 'Create invitation' }).click();
  const code = (await a.getByTestId('invitation-code').textContent())?.trim() ?? '';
  expect(code).toMatch(/^[0-9a-f-]{32,}$/i);
  await accessible(a, 'team');
  await shot(a, 'team');
  const staff = await person(browser);
  await signIn(staff, `sam-${run}`);
  await staff.goto('/onboarding');
  await staff.getByRole('textbox', { name: 'Invitation code' }).fill(code);
  await staff.getByRole('button', { name: 'Join business' }).click();
  await expect(staff.getByText(`staff of ${aId}`)).toBeVisible();
  await staff.goto(partnershipUrl);
  await expect(staff.getByTestId('status')).toHaveText('ACTIVE');
  for (const owner of ['Pause', 'Terminate', 'Propose new terms', 'Change qualifying rules']) {
    await expect(staff.getByRole('button', { name: owner })).toHaveCount(0);
  }
  await staff.goto('/team');
  await expect(staff.getByRole('heading', { name: 'Members' })).toBeVisible();
  await expect(staff.getByRole('button', { name: 'Create invitation' })).toHaveCount(0);
  await expect(staff.getByRole('button', { name: /^Remove / })).toHaveCount(0);

  // The owner removes the staff member, after confirming.
  await a.reload();
  await a.getByRole('button', { name: `Remove sam-${run}` }).click();
  await expect(a.getByRole('dialog')).toContainText('This cannot be undone');
  await a.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await expect(a.getByText(`sam-${run} no longer belongs to ${aId}.`)).toBeVisible();
  await expect(a.getByRole('button', { name: `Remove sam-${run}` })).toHaveCount(0);

  // A third business cannot open the partnership: the API's 404, shown as not found.
  const c = await person(browser);
  await signIn(c, `cleo-${run}`);
  await onboard(c, { name: `Cleo's Shop ${run}`, handle: cId, category: 'florist', lat: '45.51', lng: '-73.57' });
  await c.goto(partnershipUrl);
  await expect(c.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(c.getByText('Not found: this partnership does not exist or is not one of yours.')).toBeVisible();
  await accessible(c, 'not-found');
  expect(problems).toEqual([]);
});
