import { test, expect, Browser, Page } from './fixtures';
import { BASE_URL } from '../playwright.config';
import { ADMIN, createUser, hydrated, signInAt, USER_PASSWORD, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

// A user no earlier spec created, so this spec's session counts are its own.
const MARY = { email: 'mary.jackson@example.com', role: 'analyst', firstName: 'Mary', lastName: 'Jackson' };

/** A browser context of its own, signed in and hydrated at `next`. */
async function browserAt(browser: Browser, next: string, email: string, password: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signInAt(page, next, email, password);
  return { page, errors };
}

function sessionsTable(page: Page) {
  return page.getByRole('table', { name: 'Active sessions' });
}

/** The page this context lands on when it next opens the console: the login page once its session has ended. */
async function expectSignedOut(page: Page) {
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
}

test('sign out another browser from Profile → Security; its next navigation lands on the login page', async ({ browser }) => {
  const admin = await browser.newContext();
  await signInAt(await admin.newPage(), '/settings/users', ADMIN.email, ADMIN.password);
  const anonymous = (await browser.newContext()).request;
  await createUser(admin.request, anonymous, MARY);
  // Signing up signed that API context in: sign it out, so only the two browsers below count.
  const logout = await anonymous.post('/api/auth/logout', { headers: { Origin: BASE_URL }, maxRedirects: 0 });
  expect(logout.status()).toBeLessThan(400);

  const mine = await browserAt(browser, '/profile', MARY.email, USER_PASSWORD);
  const other = await browserAt(browser, '/profile', MARY.email, USER_PASSWORD);

  await mine.page.getByRole('link', { name: 'Security: active sessions and sign-in history' }).click();
  await expect(mine.page).toHaveURL(/\/profile\/security$/);
  await expect(mine.page.getByRole('heading', { name: 'Security' })).toBeVisible();
  const table = sessionsTable(mine.page);
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table.getByRole('row').filter({ hasText: 'This device' })).toHaveCount(1);
  await expect(mine.page.getByRole('heading', { name: 'Sign-in history' })).toBeVisible();

  // The other browser's row is the one with a Sign out button.
  await hydrated(mine.page);
  await table.getByRole('button', { name: /^Sign out/ }).click();
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table.getByRole('row').filter({ hasText: 'This device' })).toHaveCount(1);
  await expect(mine.page.getByRole('button', { name: 'Sign out all other sessions' })).toHaveCount(0);

  await expectSignedOut(other.page);
  // This browser is still signed in.
  await mine.page.reload();
  await expect(mine.page).toHaveURL(/\/profile\/security$/);
  await expect(sessionsTable(mine.page).locator('tbody tr')).toHaveCount(1);
  expect(mine.errors).toEqual([]);
  expect(other.errors).toEqual([]);
});

test('sign out all other sessions, confirmed in a dialog', async ({ browser }) => {
  const mine = await browserAt(browser, '/profile/security', MARY.email, USER_PASSWORD);
  const second = await browserAt(browser, '/profile', MARY.email, USER_PASSWORD);
  const third = await browserAt(browser, '/profile', MARY.email, USER_PASSWORD);

  await mine.page.reload();
  await hydrated(mine.page);
  // These three, and the browser the last test kept signed in.
  await expect(sessionsTable(mine.page).locator('tbody tr')).toHaveCount(4);
  await mine.page.getByRole('button', { name: 'Sign out all other sessions' }).click();
  const dialog = mine.page.getByRole('dialog', { name: 'Sign out all other sessions?' });
  await expect(dialog).toBeVisible();
  // Cancel first: nothing happens.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(sessionsTable(mine.page).locator('tbody tr')).toHaveCount(4);

  await mine.page.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await dialog.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await expect(mine.page.getByRole('status').filter({ hasText: '3 other sessions were signed out.' })).toBeVisible();
  await expect(sessionsTable(mine.page).locator('tbody tr')).toHaveCount(1);

  await expectSignedOut(second.page);
  await expectSignedOut(third.page);
  expect(mine.errors).toEqual([]);
});

test('an admin ends all of a user\'s sessions from the users list', async ({ browser }) => {
  const user = await browserAt(browser, '/profile', MARY.email, USER_PASSWORD);
  const admin = await browserAt(browser, '/settings/users?q=jackson', ADMIN.email, ADMIN.password);

  await admin.page.getByLabel(`Actions for ${MARY.email}`).click();
  await admin.page.getByRole('button', { name: 'Sessions', exact: true }).click();
  const dialog = admin.page.getByRole('dialog', { name: 'Sessions of Mary Jackson' });
  await expect(dialog).toBeVisible();
  // The browser from the last test and this one.
  await expect(dialog.locator('tbody tr')).toHaveCount(2);
  await dialog.getByRole('button', { name: 'End all sessions' }).click();
  await expect(dialog.getByRole('status')).toContainText('All sessions of Mary Jackson ended');
  await expect(dialog.getByText('No active sessions.')).toBeVisible();

  await expectSignedOut(user.page);
  expect(admin.errors).toEqual([]);
});
