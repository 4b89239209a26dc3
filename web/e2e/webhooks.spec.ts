// Webhooks for businesses (issue 26): an owner adds an endpoint (a
// receiver this test runs on loopback, which the local stack allows),
// sees its secret once, sends a test event and sees it delivered in the
// log; the receiver checks the Standard Webhooks signature. An address
// that could reach inside is refused.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { accessible, onboard, run, shot, signIn } from './helpers';

test('an owner adds an endpoint, sends a test event and sees it delivered', async ({ page }) => {
  const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    await signIn(page, `hookana-${run}`);
    await onboard(page, { name: `Hook Cafe ${run}`, handle: `hook-${run}`, category: 'cafe', lat: '45.51', lng: '-73.56' });
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('heading', { name: 'Webhooks' })).toBeVisible();

    await page.getByLabel('Endpoint URL (https)').fill('https://10.0.0.8/hook');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.getByText('Enter an https address on port 443 whose host is public')).toBeVisible();

    const url = `http://127.0.0.1:${port}/hook`;
    await page.getByLabel('Endpoint URL (https)').fill(url);
    await page.getByLabel('Description (optional)').fill('the counter');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = (await page.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^whsec_/);
    const card = page.getByRole('list', { name: 'Endpoints' }).getByRole('listitem').filter({ hasText: url });
    await expect(card).toContainText('All events');

    await card.getByRole('button', { name: 'Send test event' }).click();
    const log = page.getByRole('table', { name: `Deliveries to ${url}` });
    await expect(async () => {
      await card.getByRole('button', { name: 'Deliveries' }).click();
      await expect(log.getByRole('row', { name: /webhook\.ping/ })).toContainText('Succeeded', { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(log.getByRole('row', { name: /webhook\.ping/ })).toContainText('204');
    await accessible(page, 'webhooks');
    await shot(page, 'webhooks');

    // What the receiver got is signed with the secret shown.
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received;
    const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
    expect(String(headers['webhook-signature']).split(' ')).toContain(`v1,${expected}`);
    expect(JSON.parse(body).type).toBe('webhook.ping');
  } finally {
    server.close();
  }
});
