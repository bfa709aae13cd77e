import { expect, Page } from '@playwright/test';

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
