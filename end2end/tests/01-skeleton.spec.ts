import { test, expect } from './fixtures';
import { ADMIN, hydrated, signIn, signOut, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

test('first start: register the admin, sign out, fail and pass a login, setup is gone', async ({ page }) => {
  const errors = watchForErrors(page);

  // Every page leads to /setup while nobody exists.
  await page.goto('/settings/users');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Welcome to Roster' })).toBeVisible();
  await hydrated(page);

  // The console URL is prefilled from the request.
  await expect(page.getByLabel('Console URL')).toHaveValue(/^http:\/\/127\.0\.0\.1:\d+$/);

  await page.getByLabel('First name').fill(ADMIN.firstName);
  await page.getByLabel('Last name').fill(ADMIN.lastName);
  await page.getByLabel('Email').fill(ADMIN.email);

  // The password policy is explained as the user types (this runs in the hydrated WASM).
  await page.getByLabel('Password', { exact: true }).fill('too short');
  await expect(page.getByText('Password must be at least 12 characters.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create account' })).toBeDisabled();
  await page.getByLabel('Password', { exact: true }).fill('Password1234');
  await expect(page.getByText('This password is too common')).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password').fill(ADMIN.password + 'x');
  await expect(page.getByText('The passwords do not match.')).toBeVisible();
  await page.getByLabel('Confirm password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create account' }).click();

  // Signed in, in the console.
  await expect(page.getByRole('heading', { name: `Welcome, ${ADMIN.firstName}` })).toBeVisible();
  await expect(page.getByText('Global Administrator')).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'roster_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Strict');

  // The settings navigation routes to its pages.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Activity Log' }).click();
  await expect(page).toHaveURL(/\/settings\/activity$/);
  await expect(page.getByRole('heading', { name: 'Activity Log' })).toBeVisible();

  await signOut(page, `${ADMIN.firstName} ${ADMIN.lastName}`);

  // A wrong password is refused with a clear message.
  await hydrated(page);
  await signIn(page, ADMIN.email, 'not my password at all');
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toBeVisible();
  await expect(page).toHaveURL(/\/login/);

  // The right one signs in.
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole('heading', { name: `Welcome, ${ADMIN.firstName}` })).toBeVisible();

  // /setup no longer offers registration.
  await signOut(page, `${ADMIN.firstName} ${ADMIN.lastName}`);
  await page.goto('/setup');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByText('Welcome to Roster')).toHaveCount(0);

  expect(errors).toEqual([]);
});

test('an anonymous visitor is sent to login and back to the page they asked for', async ({ page }) => {
  const errors = watchForErrors(page);
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=\/profile$/);
  await hydrated(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  await expect(page.getByText(ADMIN.email)).toBeVisible();
  expect(errors).toEqual([]);
});
