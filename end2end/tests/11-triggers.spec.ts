import { test, expect } from './fixtures';
import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders } from 'node:http';
import { AddressInfo } from 'node:net';
import { hydrated, inviteByLink, signInAt, watchForErrors } from './helpers';

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: string };

/** A webhook receiver on loopback (allowed by ROSTER_WEBHOOK_ALLOW in start-server.sh). */
async function startReceiver() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { received, url: `http://127.0.0.1:${port}/roster-hook`, close: () => server.close() };
}

/** Roster-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">, as the README's example checks it. */
function signatureValid(header: string, secret: string, body: string): boolean {
  const parts = header.split(',').map((p) => p.split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return parts.some(([k, v]) => k === 'v1' && v === expected);
}

test('a "User added" trigger for Analysts sends a signed webhook, seen in the integration\'s log', async ({ browser }) => {
  const receiver = await startReceiver();
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const errors = watchForErrors(admin);

  // A Webhook integration; its signing secret is shown once.
  await signInAt(admin, '/settings/integrations');
  await expect(admin.getByRole('heading', { name: 'Integrations' })).toBeVisible();
  await admin.getByLabel('Type').selectOption({ label: 'Webhook' });
  await admin.getByLabel('Name').fill('Security receiver');
  await admin.getByLabel('URL', { exact: true }).fill(receiver.url);
  await admin.getByRole('button', { name: 'Add integration' }).click();
  const secretBox = admin.locator('code.secret');
  await expect(secretBox).toHaveText(/^whsec_[0-9a-f]{64}$/);
  const secret = (await secretBox.textContent())!;
  const panel = admin.getByRole('region', { name: 'Security receiver' });
  await expect(panel.getByText('No deliveries yet.')).toBeVisible();

  // A "User added" trigger for Analysts, reacting with that integration.
  await admin.goto('/settings/triggers');
  await hydrated(admin);
  await admin.getByLabel('Name').fill('Added user');
  await admin.getByLabel('Condition').selectOption({ label: 'User added' });
  await admin.getByLabel('Analyst').check();
  await admin.getByLabel('Security receiver (Webhook)').check();
  await admin.getByRole('button', { name: 'Create trigger' }).click();
  const row = admin.getByRole('row', { name: /Added user/ });
  await expect(row).toContainText('User added');
  await expect(row).toContainText('Analyst');
  await expect(row).toContainText('Security receiver');

  // Invite an Analyst by link; they sign up in another browser.
  await admin.goto('/settings/users');
  await hydrated(admin);
  await admin.getByRole('link', { name: /^Pending \(\d+\)$/ }).click();
  const { link } = await inviteByLink(admin, 'trigger-analyst@example.com', 'Analyst');
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await hydrated(invitee);
  await invitee.getByLabel('First name').fill('Tina');
  await invitee.getByLabel('Last name').fill('Turing');
  await invitee.getByLabel('Password', { exact: true }).fill('a perfectly fine password');
  await invitee.getByLabel('Confirm password').fill('a perfectly fine password');
  await invitee.getByRole('button', { name: 'Create my account' }).click();
  await expect(invitee.getByRole('heading', { name: 'Welcome, Tina' })).toBeVisible();

  // Exactly one signed POST arrives.
  await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
  const post = receiver.received[0];
  expect(post.method).toBe('POST');
  expect(post.url).toBe('/roster-hook');
  expect(signatureValid(post.headers['roster-signature'] as string, secret, post.body)).toBe(true);
  const event = JSON.parse(post.body);
  expect(event.type).toBe('create_user');
  expect(event.id).toBe(post.headers['roster-event-id']);
  expect(event.target).toMatchObject({ email: 'trigger-analyst@example.com', role: 'Analyst', name: 'Tina Turing' });
  expect(event.trigger.name).toBe('Added user');

  // The integration's log shows the delivery.
  await admin.goto('/settings/integrations');
  await hydrated(admin);
  const delivery = panel.getByRole('row', { name: /create_user/ });
  await expect(async () => {
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await expect(delivery).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(delivery).toContainText('delivered');
  await expect(delivery).toContainText('200');

  // Redeliver sends the same event again.
  await delivery.getByRole('button', { name: 'Redeliver' }).click();
  await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(2);
  expect(receiver.received[1].headers['roster-event-id']).toBe(post.headers['roster-event-id']);

  receiver.close();
  expect(errors).toEqual([]);
});
