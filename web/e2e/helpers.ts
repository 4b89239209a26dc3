import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** A name unique to this run, so the suite can run again on a stack that keeps its data. */
export const run = Date.now().toString(36);

/** Signs in through the local OIDC provider's form, as a person would. */
export async function signIn(page: Page, user: string) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('User').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Registers a business for the signed-in user and sets its points program. */
export async function onboard(
  page: Page,
  b: { name: string; handle: string; category: string } & ({ lat: string; lng: string } | { address: string }),
) {
  // A signed-in person without a business lands on its customer page.
  await page.goto('/onboarding');
  await expect(page.getByRole('heading', { name: 'Set up your business' })).toBeVisible();
  await page.getByLabel('Business name').fill(b.name);
  await page.getByLabel('Handle (optional, permanent)').fill(b.handle);
  await page.getByLabel('Main category').fill(b.category);
  if ('address' in b) {
    // The point from the address (Amazon Location's format, served locally by the tests).
    await page.getByLabel('Address').fill(b.address);
    await page.getByRole('button', { name: 'Find location from address' }).click();
    await page.getByRole('list', { name: 'Places found' }).getByRole('button', { name: 'Use this place' }).first().click();
    await expect(page.getByText(/^Location set to /)).toBeVisible();
  } else {
    await page.getByLabel('Latitude').fill(b.lat);
    await page.getByLabel('Longitude').fill(b.lng);
  }
  await page.getByRole('button', { name: 'Register business' }).click();
  await expect(page.getByRole('heading', { name: 'Your points program' })).toBeVisible();
  await page.getByRole('button', { name: 'Save program' }).click();
  await expect(page.getByRole('heading', { name: 'Partner Network - Discover Partners' })).toBeVisible();
}

/** `a` invites business `bId` to a Points Coalition at the default 5% and `b`, its owner, accepts: the partnership's address. */
export async function partner(a: Page, b: Page, bId: string): Promise<string> {
  await a.goto(`/partners/${bId}/invite`);
  await a.getByLabel('Points Coalition (earn/redeem at both)').check();
  await a.getByRole('button', { name: 'Send Invitation' }).click();
  await expect(a.getByText("Partnership invitation sent! You'll be notified when they respond.")).toBeVisible();
  const url = a.url().replace(/\?.*$/, '');
  await b.goto(url);
  await b.getByRole('button', { name: 'Accept terms (version 1)' }).click();
  await expect(b.getByTestId('status')).toHaveText('ACTIVE');
  return url;
}

/** No serious or critical accessibility violations on the page as it is. */
export async function accessible(page: Page, screen: string) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), screen).toEqual([]);
}

/** A full-page screenshot kept as a test artifact (web/test-results/screens/). */
export async function shot(page: Page, name: string) {
  mkdirSync('test-results/screens', { recursive: true });
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

/**
 * The local stack's clock (`make clock`): the file `make dev` reads, whole
 * seconds ahead of the system's. The functions, the sign-in provider and
 * mint-token all read it at every request.
 */
const clockFile = process.env.CLOCK_FILE ?? '../.local/clock';

export function stackNow(): Date {
  let offset = 0;
  try {
    offset = Number(readFileSync(clockFile, 'utf8').trim()) || 0;
  } catch {
    offset = 0;
  }
  return new Date(Date.now() + offset * 1000);
}

/** Moves the stack's clock to `at` (it keeps ticking from there). */
export function setStackClock(at: Date) {
  writeFileSync(clockFile, `${Math.round((at.getTime() - Date.now()) / 1000)}\n`);
}

export function resetStackClock() {
  writeFileSync(clockFile, '0\n');
}
