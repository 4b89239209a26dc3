// Web app II's point of sale (issue 25, in part): the spec's end-to-end
// example at the counter. A and B partner at 5%; a customer earns 100
// points at A's point of sale for a $10 purchase and redeems them at B's
// for the $10 reward; B's screen shows the $0.50 share. A double-clicked
// record makes one transaction; a recording made while the API is
// unreachable is kept and synced once when it returns.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, onboard, partner, run, shot, signIn } from './helpers';

async function person(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

test("the spec's example at the point of sale, with a double tap and the network gone", async ({ browser }) => {
  const a = await person(browser);
  const b = await person(browser);
  const [aId, bId, customer] = [`posa-${run}`, `posb-${run}`, `cust-${run}`];
  await signIn(a, `posana-${run}`);
  await onboard(a, { name: `Counter A ${run}`, handle: aId, category: 'cafe', lat: '45.52', lng: '-73.58' });
  await signIn(b, `posben-${run}`);
  await onboard(b, { name: `Counter B ${run}`, handle: bId, category: 'bakery', lat: '45.521', lng: '-73.581' });

  // Partnered at 5% both ways.
  await partner(a, b, bId);

  // 100 points for a $10 purchase at A (its program: 10 points a dollar).
  await a.getByRole('link', { name: 'Point of Sale' }).click();
  await a.getByLabel('Customer id').fill(customer);
  await a.getByLabel('Purchase ($)').fill('10.00');
  await a.getByRole('button', { name: 'Record' }).click();
  await expect(a.getByText(`Recorded: 100 points earned by ${customer}.`)).toBeVisible();
  await accessible(a, 'point of sale');
  await shot(a, 'point-of-sale');

  // Redeemed at B for the $10 reward, double-clicked: one transaction, the $0.50 share.
  await b.getByRole('link', { name: 'Point of Sale' }).click();
  await b.getByLabel('Record').selectOption({ label: `With partner ${aId}` });
  await b.getByLabel(/Redeem \(the partner/).check();
  await b.getByLabel('Customer id').fill(customer);
  await b.getByLabel('Points', { exact: true }).fill('100');
  await b.getByRole('button', { name: 'Record' }).dblclick();
  await expect(b.getByText('Recorded REDEEM: partner owes you $0.50.')).toBeVisible();
  const recent = b.getByRole('list', { name: 'Recent transactions' }).getByRole('listitem');
  await expect(recent).toHaveCount(1);
  await expect(recent.first()).toContainText(`REDEEM for ${customer}: partner owes you $0.50`);

  // The network goes: the recording waits on the device, then syncs once.
  await b.getByLabel(/Earn \(a purchase here/).check();
  await b.getByLabel('Customer id').fill(customer);
  await b.getByLabel('Purchase ($)').fill('5.00');
  await b.context().setOffline(true);
  await b.getByRole('button', { name: 'Record' }).click();
  await expect(b.getByText('The network is unreachable: the recording is saved on this device')).toBeVisible();
  await expect(b.getByRole('heading', { name: 'Waiting to sync (1)' })).toBeVisible();
  await b.context().setOffline(false);
  await b.evaluate(() => dispatchEvent(new Event('online')));
  await expect(b.getByText('Synced 1 saved recording(s).')).toBeVisible();
  await expect(b.getByRole('heading', { name: /Waiting to sync/ })).toHaveCount(0);
  await expect(recent).toHaveCount(2);
  await expect(recent.first()).toContainText(`EARN for ${customer}`);
  // A reload sends nothing again.
  await b.reload();
  await expect(b.getByRole('heading', { name: /Waiting to sync/ })).toHaveCount(0);

  // The partnership's activity: this month's numbers, filters, and the filtered list as CSV.
  await b.goto('/partnerships');
  await b.getByRole('link', { name: aId }).click();
  await expect(b.getByRole('img', { name: /per month/ }).locator('canvas')).toBeVisible();
  const months = b.getByRole('table', { name: 'Per month, from your side' });
  await expect(months.getByRole('row', { name: /All time/ })).toContainText('$0.50');
  await b.getByLabel('Type').selectOption('REDEEM');
  await b.getByRole('button', { name: 'Filter' }).click();
  const listed = b.getByRole('list', { name: 'Transactions' }).getByRole('listitem');
  await expect(listed).toHaveCount(1);
  await expect(listed.first()).toContainText('REDEEM for');
  const [download] = await Promise.all([b.waitForEvent('download'), b.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^partnership-.*-transactions\.csv$/);
  const text = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  const lines = text.trim().split('\r\n');
  expect(lines[0]).toBe('id,time,type,customer,amount_usd,points_earned,points_redeemed,share_usd,payer,payee,share_to_you_usd,terms_version,period_start');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(`,REDEEM,${customer},10.00,,100,0.50,${aId},${bId},0.50,1,`);
  await accessible(b, 'partnership activity');
  await shot(b, 'partnership-activity');

  // Exposure (issue 27): B's owner limits what A may owe B unsettled; A
  // sees the limit B set and cannot change it, only its own.
  await expect(b.getByTestId('open')).toContainText(`${aId} owes you`);
  await expect(b.getByTestId('partner-limit')).toHaveText('No limit');
  await b.getByLabel(`Most ${aId} may owe you unsettled ($; empty for no limit)`).fill('abc');
  await b.getByRole('button', { name: 'Save limit' }).click();
  await expect(b.getByText('Enter dollars with at most two decimals, or leave it empty.')).toBeVisible();
  await b.getByLabel(`Most ${aId} may owe you unsettled ($; empty for no limit)`).fill('25');
  await b.getByRole('button', { name: 'Save limit' }).click();
  await expect(b.getByText(`${aId} may now owe you at most $25.00 unsettled.`)).toBeVisible();
  await expect(b.getByTestId('partner-limit')).toHaveText(/^At most \$25\.00: \$24\.\d\d left$/);
  await accessible(b, 'exposure');
  await a.goto(b.url());
  await expect(a.getByTestId('your-limit')).toHaveText(new RegExp(`^At most \\$25\\.00: \\$24\\.\\d\\d left \\(set by ${bId}\\)$`));
  await expect(a.getByTestId('partner-limit')).toHaveText('No limit');

  // What-if terms (issue 27): A, about to propose paying 10% instead of 5%,
  // sees what that would have cost on this month's real transactions.
  await a.getByRole('button', { name: 'Propose new terms' }).click();
  await a.getByLabel('You pay (% of reward value)').fill('10');
  await a.getByRole('button', { name: 'What would these terms have meant?' }).click();
  const whatIf = a.getByRole('table', { name: 'These terms on your last periods' });
  await expect(whatIf.getByRole('row', { name: /\(open\)/ })).toContainText('-$0.50');
  await expect(a.getByTestId('what-if-total')).toHaveText('You would have received $0.50 less.');
  await accessible(a, 'what-if');
  await shot(a, 'what-if');

  // The customer's page: 100 - 100 + 50 (the $5 earned at B) of A's points, worth $5; its QR code.
  const c = await person(browser);
  await signIn(c, customer);
  await expect(c.getByRole('heading', { name: 'My points' })).toBeVisible();
  await expect(c.getByTestId('customer-id')).toHaveText(customer);
  await expect(c.getByRole('list', { name: 'Balances' })).toContainText(`${aId}: 50 points, worth $5.00`);
  await expect(c.getByRole('img', { name: `QR code of customer id ${customer}` })).toBeVisible();
  await expect(c.getByRole('list', { name: 'Rewards' })).toContainText('$10 off');
  await accessible(c, 'my points');
  await shot(c, 'my-points');
});
