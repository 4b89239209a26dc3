// At a phone's width (390 x 844) every screen fits: nothing scrolls
// sideways, and axe finds no serious or critical violations.
import { expect, test, type Page } from '@playwright/test';
import { accessible, onboard, run, shot, signIn } from './helpers';

async function fits(page: Page, screen: string) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll, `${screen} scrolls sideways`).toBeLessThanOrEqual(width);
  await accessible(page, screen);
}

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('every screen fits a phone', async ({ page }) => {
  await signIn(page, `phone-${run}`);
  await expect(page.getByRole('heading', { name: 'My points' })).toBeVisible();
  await fits(page, 'my points');
  await page.goto('/onboarding');
  await fits(page, 'onboarding');
  await onboard(page, { name: `Phone Cafe ${run}`, handle: `phone-${run}`, category: 'cafe', lat: '45.49', lng: '-73.58' });
  await fits(page, 'directory');
  await shot(page, 'phone-directory');
  await page.goto('/partnerships');
  await expect(page.getByRole('heading', { name: 'My Partnerships' })).toBeVisible();
  await expect(page.getByText("You haven't partnered with any businesses yet.")).toBeVisible();
  await fits(page, 'partnerships');
  await page.goto('/dashboard');
  await expect(page.getByRole('heading', { name: 'My Partner Network' })).toBeVisible();
  await fits(page, 'dashboard');
  await page.goto('/pos');
  await expect(page.getByRole('heading', { name: 'Point of sale' })).toBeVisible();
  await fits(page, 'point of sale');
  await page.goto('/settlements');
  await expect(page.getByText('No partners this month.')).toBeVisible();
  await fits(page, 'settlements');
  await page.goto('/program');
  await expect(page.getByTestId('liability')).toHaveText('0 points, worth $0.00 to your customers');
  await fits(page, 'points program');
  await page.goto('/team');
  await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
  await fits(page, 'team');
  await page.goto(`/partners/phone-${run}`);
  await expect(page.getByRole('heading', { level: 1, name: `Phone Cafe ${run}` })).toBeVisible();
  await fits(page, 'profile');
});
