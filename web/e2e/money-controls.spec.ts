// The money controls (issue 27) where a business decides: A tightens the
// partnership's review volume to $5, so the month's settlement is held for
// review; B (who would be paid) cannot release it, A (who pays) does. A's
// points program page shows what its outstanding points are worth and
// where they can be spent; A sets an expiry, and the customer sees when
// the points expire.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { accessible, onboard, partner, resetStackClock, run, setStackClock, shot, signIn, stackNow } from './helpers';

async function person(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.clock.install({ time: stackNow() });
  return context.newPage();
}

test.afterAll(() => resetStackClock());

test('a held settlement is released by the business that pays it; the points program shows its liability and expiry', async ({ browser }) => {
  const [aId, bId, customer] = [`mca-${run}`, `mcb-${run}`, `mccust-${run}`];
  const month = stackNow();
  let a = await person(browser);
  let b = await person(browser);
  await signIn(a, `mcana-${run}`);
  await onboard(a, { name: `Money A ${run}`, handle: aId, category: 'cafe', lat: '45.53', lng: '-73.59' });
  await signIn(b, `mcben-${run}`);
  await onboard(b, { name: `Money B ${run}`, handle: bId, category: 'bakery', lat: '45.531', lng: '-73.591' });
  const partnershipUrl = await partner(a, b, bId);

  // A holds every period of $5 or more for review.
  await a.goto(partnershipUrl);
  await a.getByRole('button', { name: 'Set your thresholds' }).click();
  await a.getByLabel('Hold every period with sales of at least ($)').fill('5');
  await a.getByRole('button', { name: 'Save thresholds' }).click();
  await expect(a.getByTestId('review-volume')).toHaveText('$5.00 a period');
  await accessible(a, 'anomaly rules');

  // $20 at A (200 points), 100 of them redeemed at B: A owes B $0.50.
  await a.goto('/pos');
  await a.getByLabel('Customer id').fill(customer);
  await a.getByLabel('Purchase ($)').fill('20.00');
  await a.getByRole('button', { name: 'Record' }).click();
  await expect(a.getByText(`Recorded: 200 points earned by ${customer}.`)).toBeVisible();
  await b.goto('/pos');
  await b.getByLabel('Record').selectOption({ label: `With partner ${aId}` });
  await b.getByLabel(/Redeem \(the partner/).check();
  await b.getByLabel('Customer id').fill(customer);
  await b.getByLabel('Points', { exact: true }).fill('100');
  await b.getByRole('button', { name: 'Record' }).click();
  await expect(b.getByText('Recorded REDEEM: partner owes you $0.50.')).toBeVisible();

  // A's points program: 100 points outstanding, worth $10, redeemable at B.
  await a.goto('/program');
  await expect(a.getByTestId('liability')).toHaveText('100 points, worth $10.00 to your customers');
  await expect(a.getByRole('table', { name: 'Partners where your points are redeemable' })).toContainText('$10.00');
  const thisMonth = a.getByRole('table', { name: 'Points by month' }).getByRole('row').nth(1);
  await expect(thisMonth).toContainText('200');
  await expect(thisMonth).toContainText('+100');
  // Points expire after six months without activity.
  await a.getByRole('button', { name: 'Change' }).click();
  await a.getByLabel('Points expire without activity').check();
  await a.getByLabel('Months without earning or redeeming before they expire').fill('6');
  await a.getByRole('button', { name: 'Save' }).click();
  await expect(a.getByTestId('rates')).toContainText('Points expire after 6 months without activity.');
  await accessible(a, 'points program');
  await shot(a, 'points-program');

  // The customer sees when the points expire.
  const c = await person(browser);
  await signIn(c, customer);
  await expect(c.getByRole('list', { name: 'Balances' })).toContainText(`${aId}: 100 points, worth $10.00`);
  await expect(c.getByTestId('expires')).toContainText('unless you earn or redeem here before then');
  await c.context().close();

  // The month ends; A settles it: held for review (high value).
  setStackClock(new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1, 1, 0, 0)));
  await a.context().close();
  await b.context().close();
  a = await person(browser);
  b = await person(browser);
  await signIn(a, `mcana-${run}`);
  await signIn(b, `mcben-${run}`);
  await a.goto(`${partnershipUrl}/settlements`);
  await a.getByRole('button', { name: 'Settle the last ended period' }).click();
  await expect(a.getByTestId('settlement-status')).toHaveText('Held for review');
  const hold = a.getByTestId('hold');
  await expect(hold).toContainText('It will not be paid until you release it');
  await expect(hold).toContainText('The period is above the review volume');
  await accessible(a, 'held settlement');
  await shot(a, 'held-settlement');
  // B, who would be paid, cannot release it; A does.
  await b.goto(a.url());
  await expect(b.getByTestId('hold')).toContainText(`until ${`Money A ${run}`} releases it`);
  await expect(b.getByRole('button', { name: 'Release for payment' })).toHaveCount(0);
  await a.getByRole('button', { name: 'Release for payment' }).click();
  await expect(a.getByText('Released: it will be paid once its review is over.')).toBeVisible();
  await expect(a.getByTestId('settlement-status')).toHaveText('In review');
  await expect(a.getByTestId('hold')).toContainText('Released on');
});
