// Web app II's settlements (issue 25): the spec's end-to-end example to its
// end. A and B partner at 5%; a customer earns 100 points at A for a $10
// purchase and redeems them at B; A's dashboard shows $0.50 paid to B and
// B's $0.50 earned; the month's preview and, once the stack's clock has
// ended the month, the calculated settlement say "Business A owes Business
// B $0.50"; the statement downloads with that line (CSV and JSON); B
// disputes a line and both owners agree on the outcome; the month's
// balances across partners show what A owes.
import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, onboard, resetStackClock, run, setStackClock, shot, signIn, stackNow } from './helpers';

/** A person at a browser whose clock reads what the stack's does (as a real one would). */
async function person(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.clock.install({ time: stackNow() });
  return context.newPage();
}

/** 01:00 UTC on the first day of the month after `at`'s. */
function nextMonthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1, 1, 0, 0));
}

test.afterAll(() => resetStackClock());

test("the spec's example settled at the month's end: Business A owes Business B $0.50", async ({ browser }) => {
  const [aId, bId, customer] = [`seta-${run}`, `setb-${run}`, `setcust-${run}`];
  const [aName, bName] = [`Business A ${run}`, `Business B ${run}`];
  const month = stackNow();
  const ym = `${month.getUTCFullYear()}-${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
  let a = await person(browser);
  let b = await person(browser);
  await signIn(a, `setana-${run}`);
  await onboard(a, { name: aName, handle: aId, category: 'cafe', lat: '45.53', lng: '-73.59' });
  await signIn(b, `setben-${run}`);
  await onboard(b, { name: bName, handle: bId, category: 'bakery', lat: '45.531', lng: '-73.591' });

  // Partnered at 5% both ways.
  await a.goto(`/partners/${bId}/invite`);
  await a.getByLabel('Points Coalition (earn/redeem at both)').check();
  await a.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(a.getByText("Partnership invitation sent! You'll be notified when they respond.")).toBeVisible();
  const partnershipUrl = a.url().replace(/\?.*$/, '');
  // B hears of it: the bell counts the invitation, which leads to the partnership.
  await b.goto('/dashboard');
  const bell = b.getByRole('link', { name: /^Notifications/ });
  await expect(async () => {
    await b.reload();
    await expect(bell).toHaveAccessibleName('Notifications, 1 unread', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await bell.click();
  const invitation = b.getByRole('list', { name: 'Notifications' }).getByRole('listitem').first();
  await expect(invitation).toContainText(`${aName} invited you to partner.`);
  await accessible(b, 'notifications');
  await shot(b, 'notifications');
  await invitation.getByRole('link', { name: /New partnership invitation/ }).click();
  await expect(b).toHaveURL(partnershipUrl);
  await expect(bell).toHaveAccessibleName('Notifications');
  await b.getByRole('button', { name: 'Accept terms (version 1)' }).click();
  await expect(b.getByTestId('status')).toHaveText('ACTIVE');

  // 100 points for $10 at A, redeemed at B for the $10 reward: B is owed $0.50.
  await a.goto('/pos');
  await a.getByLabel('Customer id').fill(customer);
  await a.getByLabel('Purchase ($)').fill('10.00');
  await a.getByRole('button', { name: 'Record' }).click();
  await expect(a.getByText(`Recorded: 100 points earned by ${customer}.`)).toBeVisible();
  await b.goto('/pos');
  await b.getByLabel('Record').selectOption({ label: `With partner ${aId}` });
  await b.getByLabel(/Redeem \(the partner/).check();
  await b.getByLabel('Customer id').fill(customer);
  await b.getByLabel('Points', { exact: true }).fill('100');
  await b.getByRole('button', { name: 'Record' }).click();
  await expect(b.getByText('Recorded REDEEM: partner owes you $0.50.')).toBeVisible();

  // The dashboards: A paid B $0.50, B earned $0.50 from A.
  await a.goto('/dashboard');
  const cardOfB = a.getByRole('listitem').filter({ has: a.getByRole('heading', { name: bName }) });
  await expect(cardOfB).toContainText('$0.50 revenue paid to partner');
  await expect(cardOfB).toContainText('$0.00 revenue earned from partner');
  await b.goto('/dashboard');
  const cardOfA = b.getByRole('listitem').filter({ has: b.getByRole('heading', { name: aName }) });
  await expect(cardOfA).toContainText('$0.50 revenue earned from partner');
  await expect(cardOfA).toContainText('Net: +$0.50');

  // This month across partners, and the open period's preview.
  await a.getByRole('link', { name: 'Settlements', exact: true }).click();
  const rowOfB = a.getByRole('table', { name: 'Owed per partner' }).getByRole('row', { name: new RegExp(bName) });
  await expect(rowOfB).toContainText(`You owe ${bName} $0.50`);
  await expect(rowOfB).toContainText('Not settled yet');
  await rowOfB.getByRole('link', { name: bName }).click();
  await expect(a.getByTestId('preview-line')).toHaveText(`${aName} owes ${bName} $0.50`);

  // The month ends on the stack's clock; both sign in again (the stack's time moved past their tokens).
  setStackClock(nextMonthStart(month));
  await a.context().close();
  await b.context().close();
  a = await person(browser);
  b = await person(browser);
  await signIn(a, `setana-${run}`);
  await signIn(b, `setben-${run}`);

  // A settles the ended month: the calculated settlement, in its 7-day review.
  await a.goto(`${partnershipUrl}/settlements`);
  await a.getByRole('button', { name: 'Settle the last ended period' }).click();
  await expect(a.getByTestId('owe-line')).toHaveText(`${aName} owes ${bName} $0.50`);
  await expect(a.getByTestId('settlement-status')).toHaveText('In review');
  await expect(a.getByTestId('disputable-until')).toContainText('Disputable until');
  await expect(a.getByRole('table', { name: 'Lines' }).getByRole('row')).toHaveCount(2);
  await accessible(a, 'settlement');
  await shot(a, 'settlement');

  // The statement: CSV with the totals and the line, and JSON.
  const [csvFile] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Download statement (CSV)' }).click()]);
  expect(csvFile.suggestedFilename()).toMatch(/^settlement-.*\.csv$/);
  const csv = await readFile(await csvFile.path(), 'utf8');
  expect(csv).toContain('# net_settlement_a_to_b,0.50');
  expect(csv).toContain(`# business_a,${aId}`);
  expect(csv.split('\n').filter((l) => l.includes(',REDEEM,'))).toEqual([expect.stringContaining(`,REDEEM,${customer},${bId},${aId},${bId},10.00,0.50,0.50,1,`)]);
  const [jsonFile] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Download statement (JSON)' }).click()]);
  const statement = JSON.parse(await readFile(await jsonFile.path(), 'utf8'));
  expect([statement.settlement.netSettlement, statement.lines.length]).toEqual([50, 1]);

  // B disputes the redemption; both owners then agree to keep it as calculated.
  await b.goto(a.url());
  await expect(b.getByTestId('owe-line')).toHaveText(`${aName} owes ${bName} $0.50`);
  await b.getByRole('button', { name: 'Dispute', exact: true }).click();
  await b.getByLabel('Reason (your partner sees it)').fill('The redemption was for a $10 reward; please confirm the share.');
  const redeemLine = b.getByRole('table', { name: 'Lines' }).getByRole('row', { name: /REDEEM/ });
  await redeemLine.getByRole('checkbox').check();
  await b.getByRole('button', { name: 'Send dispute' }).click();
  await expect(b.getByTestId('settlement-status')).toHaveText('Disputed');
  await b.getByLabel('Keep it as calculated').check();
  await b.getByLabel('Outcome (both of you see it)').fill('Checked: the share is right.');
  await b.getByRole('button', { name: 'Send proposal' }).click();
  await expect(b.getByTestId('proposal')).toContainText('You proposed: no adjustment');
  await a.reload();
  await expect(a.getByTestId('settlement-status')).toHaveText('Disputed');
  await expect(a.getByRole('button', { name: 'Dispute', exact: true })).toHaveCount(0);
  await a.getByRole('button', { name: 'Agree: no adjustment' }).click();
  await expect(a.getByText('Dispute resolved: both of you agreed.')).toBeVisible();
  await expect(a.getByTestId('resolution')).toContainText('Resolved by both of you: no adjustment');
  await expect(a.getByTestId('settlement-status')).toHaveText('Awaiting payment');

  // The ended month across partners now names its settlement.
  await a.goto(`/settlements?month=${ym}`);
  const settledRow = a.getByRole('table', { name: 'Owed per partner' }).getByRole('row', { name: new RegExp(bName) });
  await expect(settledRow).toContainText(`You owe ${bName} $0.50`);
  await expect(settledRow).toContainText('Awaiting payment');
  await expect(settledRow.getByRole('link', { name: /\d{4}/ })).toHaveAttribute('href', new RegExp(`/settlements/${ym}-01$`));
  await accessible(a, 'settlements across partners');
  await shot(a, 'settlements-month');
  // B's side of the same month.
  await b.goto(`/settlements?month=${ym}`);
  await expect(b.getByRole('table', { name: 'Owed per partner' }).getByRole('row', { name: new RegExp(aName) })).toContainText(`${aName} owes you $0.50`);
});
