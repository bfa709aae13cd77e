import { APIRequestContext, expect, Page } from '@playwright/test';
import { BASE_URL } from '../playwright.config';

export const ADMIN = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  password: 'correct horse battery staple',
};

/**
 * Collects uncaught page errors, console errors (hydration problems show up here) and failed
 * responses. Server functions refusing bad input (4xx from /api/) or passing on a mail server's
 * refusal (502) are expected and left out;
 * the browser's console line for them is too, since it carries no URL to tell them apart.
 */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  const expectedApiRefusal = /Failed to load resource: the server responded with a status of (4(01|03|09|22|29)|502)/;
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expectedApiRefusal.test(m.text())) errors.push(`console at ${page.url()}: ${m.text().split('\n')[0]}`);
  });
  page.on('response', (r) => {
    // 502 is a mail server's refusal passed on (shown on the page), not a Roster failure.
    const apiRefusal = new URL(r.url()).pathname.startsWith('/api/') && (r.status() < 500 || r.status() === 502);
    if (r.status() >= 400 && !apiRefusal) errors.push(`response: ${r.status()} ${r.url()}`);
  });
  return errors;
}

/** Waits until the WASM has hydrated the page (the app marks `<body data-hydrated>`). */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function signOut(page: Page, displayName: string) {
  await page.locator('summary', { hasText: displayName }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** Signs in on the login page and waits for `next` to load and hydrate (sign-in ends in a full page load). */
export async function signInAt(page: Page, next: string, email = ADMIN.email, password = ADMIN.password) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  await signIn(page, email, password);
  await page.waitForURL((url) => url.pathname === next.split('?')[0]);
  await hydrated(page);
}

/** Settings → User Management → Send invite: fills the dialog and asks for a link; returns it. */
export async function inviteByLink(page: Page, email: string, role?: string, lifetime?: string) {
  await page.getByRole('button', { name: 'Send invite' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send invite' });
  await dialog.getByLabel('Email', { exact: true }).fill(email);
  if (role) await dialog.getByLabel('Role').selectOption({ label: role });
  if (lifetime) await dialog.getByLabel('Link valid for').selectOption({ label: lifetime });
  await dialog.getByRole('button', { name: 'Get an invite link' }).click();
  const linkBox = dialog.getByLabel('Invite link');
  await expect(linkBox).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  return { dialog, link: await linkBox.inputValue() };
}

/**
 * Signs in as the admin and opens `next`. Also works on a fresh server (a spec run alone): it
 * then registers the admin first.
 */
export async function signInOrSetUpAt(page: Page, next: string) {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  if (new URL(page.url()).pathname === '/setup') {
    await page.getByLabel('First name').fill(ADMIN.firstName);
    await page.getByLabel('Last name').fill(ADMIN.lastName);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('heading', { name: `Welcome, ${ADMIN.firstName}` })).toBeVisible();
    await page.goto(next);
  } else {
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.waitForURL((url) => url.pathname === next);
  }
  await hydrated(page);
}

export const USER_PASSWORD = 'a perfectly fine password';

/**
 * Brings a user in through the real API, as the signed-in admin of `admin` (invite link, then
 * signup from a cookie-less request), so UI tests start from known people quickly.
 */
export async function createUser(
  admin: APIRequestContext,
  anonymous: APIRequestContext,
  user: { email: string; role: string; firstName: string; lastName: string },
) {
  const headers = { Origin: BASE_URL };
  const invite = await admin.post('/api/invites/create', {
    headers,
    form: { email: user.email, role: user.role, lifetime: '24h' },
  });
  expect(invite.status(), await invite.text()).toBe(200);
  const token = ((await invite.json()).url as string).split('/').pop()!;
  const signup = await anonymous.post('/api/invites/signup', {
    headers,
    maxRedirects: 0,
    form: {
      token,
      first_name: user.firstName,
      last_name: user.lastName,
      password: USER_PASSWORD,
      password_confirm: USER_PASSWORD,
    },
  });
  expect(signup.status(), await signup.text()).toBeLessThan(400);
}

/** Email invitations need a mailer: when this file runs alone, save one (nothing need arrive). */
export async function ensureMailer(page: Page) {
  const api = page.context().request;
  const headers = { Origin: BASE_URL };
  const current = await api.post('/api/mail/settings', { headers, form: {} });
  expect(current.status()).toBe(200);
  if ((await current.json()) !== null) return;
  const saved = await api.post('/api/mail/save', {
    headers,
    form: {
      kind: 'smtp',
      host: '127.0.0.1',
      port: '1',
      security: 'none',
      sender_address: 'roster@example.com',
      sender_name: 'Roster',
      current_password: ADMIN.password,
    },
  });
  expect(saved.status(), await saved.text()).toBe(200);
}
