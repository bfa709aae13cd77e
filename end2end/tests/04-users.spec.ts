import { test, expect, Browser, Page } from './fixtures';
import { createUser, hydrated, inviteByLink, signInAt, USER_PASSWORD, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

/** The admin's page, signed in at `next`, plus a cookie-less API context for signups. */
async function adminAt(browser: Browser, next: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signInAt(page, next);
  const anonymous = (await browser.newContext()).request;
  const create = (email: string, role: string, firstName: string, lastName: string) =>
    createUser(context.request, anonymous, { email, role, firstName, lastName });
  return { page, errors, create };
}

function usersTable(page: Page) {
  return page.locator('table.users-table');
}

async function openMenu(page: Page, email: string) {
  await page.getByLabel(`Actions for ${email}`).click();
}

test('edit a name, change a role, delete with a confirmation that names the user', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/users');
  await create('margaret@example.com', 'analyst', 'Margaret', 'Hamilton');
  await page.goto('/settings/users?q=hamilton');
  await hydrated(page);
  const row = usersTable(page).getByRole('row', { name: /margaret@example\.com/ });
  await expect(row).toContainText('Margaret Hamilton');
  await expect(row).toContainText('Analyst');

  await openMenu(page, 'margaret@example.com');
  await page.getByRole('button', { name: 'Edit user settings' }).click();
  await usersTable(page).getByLabel('First name').fill('Maggie');
  await usersTable(page).getByRole('button', { name: 'Save', exact: true }).click();
  await expect(row).toContainText('Maggie Hamilton');

  await openMenu(page, 'margaret@example.com');
  await page.getByRole('button', { name: 'Change role' }).click();
  await usersTable(page).getByLabel('Role', { exact: true }).selectOption({ label: 'Administrator' });
  await usersTable(page).getByRole('button', { name: 'Save role' }).click();
  await expect(row).toContainText('Administrator');

  // The change survives a reload: it is on the server, not only on the page.
  await page.reload();
  await expect(row).toContainText('Maggie Hamilton');
  await expect(row).toContainText('Administrator');
  await hydrated(page);

  await openMenu(page, 'margaret@example.com');
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(page.getByText('Delete Maggie Hamilton (margaret@example.com)? This cannot be undone.')).toBeVisible();
  await page.getByRole('button', { name: 'Delete user' }).click();
  await expect(page.getByText('No users match “hamilton”.')).toBeVisible();
  await page.reload();
  await expect(page.getByText('No users match “hamilton”.')).toBeVisible();
  expect(errors).toEqual([]);
});

test('disabling a signed-in user bounces their browser to login; enabling lets them back', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/users');
  await create('dennis@example.com', 'read_only', 'Dennis', 'Ritchie');

  // Dennis signs in in a browser of his own.
  const dennis = await (await browser.newContext()).newPage();
  const dennisErrors = watchForErrors(dennis);
  await signInAt(dennis, '/settings/users', 'dennis@example.com', USER_PASSWORD);
  await expect(dennis.getByRole('heading', { name: 'User Management' })).toBeVisible();

  await page.goto('/settings/users?q=ritchie');
  await hydrated(page);
  await openMenu(page, 'dennis@example.com');
  await page.getByRole('button', { name: 'Disable access' }).click();
  await expect(page.getByText('No users match “ritchie”.')).toBeVisible();

  // His next request, in the tab he has open, lands on the login page with the reason.
  await dennis.goto('/profile');
  await expect(dennis).toHaveURL(/\/login\?.*reason=disabled/);
  await expect(dennis.getByText('Your access has been disabled. Contact an administrator.')).toBeVisible();
  await hydrated(dennis);
  await dennis.getByLabel('Email').fill('dennis@example.com');
  await dennis.getByLabel('Password', { exact: true }).fill(USER_PASSWORD);
  await dennis.getByRole('button', { name: 'Sign in' }).click();
  // A disabled account's right password gets the refusal a wrong one gets, which says why it may be.
  await expect(dennis.getByRole('alert').filter({ hasText: 'Wrong email or password.' })).toContainText(
    'your access may have been disabled',
  );

  // The Disabled tab shows him, grayed; Enable access brings him back.
  await page.goto('/settings/users?tab=disabled&q=ritchie');
  await hydrated(page);
  const row = usersTable(page).getByRole('row', { name: /dennis@example\.com/ });
  await expect(row).toHaveClass(/disabled/);
  await openMenu(page, 'dennis@example.com');
  await page.getByRole('button', { name: 'Enable access' }).click();
  await expect(page.getByText('No users match “ritchie”.')).toBeVisible();

  await signInAt(dennis, '/profile', 'dennis@example.com', USER_PASSWORD);
  await expect(dennis.getByText('dennis@example.com')).toBeVisible();
  expect(errors).toEqual([]);
  expect(dennisErrors).toEqual([]);
});

test('bulk-disable three users with one confirmation', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/users');
  for (const name of ['Alpha', 'Bravo', 'Charlie']) {
    await create(`${name.toLowerCase()}@bulk.example.com`, 'analyst', name, 'Bulkton');
  }
  await page.goto('/settings/users?q=bulkton');
  await hydrated(page);
  await expect(usersTable(page).getByRole('row')).toHaveCount(4); // header + 3
  await page.getByLabel('Select all on this page').check();
  const toolbar = page.getByRole('toolbar', { name: 'Bulk actions' });
  await expect(toolbar).toContainText('3 selected');
  await toolbar.getByRole('button', { name: 'Disable access' }).click();
  await expect(page.getByText('Disable 3 users?')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('status')).toContainText('3 disabled');
  await expect(page.getByRole('status').getByRole('button', { name: 'Undo' })).toBeVisible();
  await expect(page.getByText('No users match “bulkton”.')).toBeVisible();
  await page.goto('/settings/users?tab=disabled&q=bulkton');
  await expect(usersTable(page).getByRole('row')).toHaveCount(4);
  expect(errors).toEqual([]);
});

test('a Read Only user put in a group with the Administrator role can invite', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/groups');
  await create('rita@example.com', 'read_only', 'Rita', 'Levi');

  const rita = await (await browser.newContext()).newPage();
  const ritaErrors = watchForErrors(rita);
  await signInAt(rita, '/settings/users', 'rita@example.com', USER_PASSWORD);
  await expect(rita.getByRole('heading', { name: 'User Management' })).toBeVisible();
  await expect(rita.getByRole('button', { name: 'Send invite' })).toHaveCount(0);

  await expect(page.getByRole('heading', { name: 'Groups' })).toBeVisible();
  await page.getByLabel('Name', { exact: true }).fill('Team leads');
  await page.getByLabel('Description').fill('People who bring in their team');
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Administrator' });
  await page.getByRole('button', { name: 'Create group' }).click();
  const group = page.getByRole('region', { name: 'Group Team leads' });
  await expect(group).toBeVisible();
  await group.getByLabel('Find a user').fill('rita');
  await group.getByRole('button', { name: 'Add rita@example.com' }).click();
  await expect(group.getByRole('button', { name: 'Remove rita@example.com from Team leads' })).toBeVisible();

  // Her next page load carries the group's permissions: she can invite now.
  await rita.reload();
  await hydrated(rita);
  await inviteByLink(rita, 'newcomer@example.com');
  expect(errors).toEqual([]);
  expect(ritaErrors).toEqual([]);
});
