import { test, expect, Browser, Page } from './fixtures';
import { ADMIN, createUser, hydrated, signInAt, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

/** The admin's page, signed in at `next`, and a way to add users through the API. */
async function adminAt(browser: Browser, next: string, viewport?: { width: number; height: number }) {
  const context = await browser.newContext({ viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signInAt(page, next);
  const anonymous = (await browser.newContext()).request;
  const create = (email: string, role: string, firstName: string, lastName: string) =>
    createUser(context.request, anonymous, { email, role, firstName, lastName });
  return { page, errors, create };
}

const nav = (page: Page) => page.getByRole('navigation', { name: 'Settings' });
const toasts = (page: Page) => page.getByRole('status').filter({ has: page.locator('.toast') });

test('the settings navigation marks the current section and moves between sections', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  const links = nav(page).getByRole('link');
  await expect(links).toHaveText([
    'User Management',
    'Groups',
    'Email Configuration',
    'General',
    'Activity Log',
    'Integrations',
    'Triggers',
    'Profile',
  ]);
  await expect(nav(page).getByRole('link', { name: 'User Management' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'User Management' })).toBeVisible();
  await expect(page.getByText('Invite people, and choose who has access')).toBeVisible();

  await nav(page).getByRole('link', { name: 'Groups' }).click();
  await expect(page).toHaveURL(/\/settings\/groups$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Groups' })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: 'Groups' })).toHaveAttribute('aria-current', 'page');
  await expect(nav(page).getByRole('link', { name: 'User Management' })).not.toHaveAttribute('aria-current', /.*/);

  await nav(page).getByRole('link', { name: 'General' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'General' })).toBeVisible();
  await nav(page).getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Profile' })).toBeVisible();
  await expect(nav(page).getByRole('link', { name: 'Profile' })).toHaveAttribute('aria-current', 'page');
  expect(errors).toEqual([]);
});

test('Send invite: a dialog that gives a link with Copy; Escape closes it and focus returns', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  const opener = page.getByRole('button', { name: 'Send invite' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Send invite' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Email', { exact: true })).toBeFocused();

  // Focus stays inside the dialog, forwards and backwards.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Shift+Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }

  await dialog.getByLabel('Email', { exact: true }).fill('layout-link@example.com');
  await dialog.getByLabel('Role').selectOption({ label: 'Analyst' });
  await dialog.getByRole('button', { name: 'Get an invite link' }).click();
  const linkBox = dialog.getByLabel('Invite link');
  await expect(linkBox).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  const link = await linkBox.inputValue();
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // Opened again, it starts clean.
  await opener.click();
  await expect(dialog.getByLabel('Invite link')).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  expect(errors).toEqual([]);
});

// Emails go through the configuration 03-email saved (a queued email is enough here).
test('Add new user: the dialog closes with a toast', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  const opener = page.getByRole('button', { name: 'Add new user' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Add new user' });
  await expect(dialog.getByLabel('First name')).toBeFocused();
  await dialog.getByLabel('First name').fill('Lay');
  await dialog.getByLabel('Last name').fill('Outman');
  await dialog.getByLabel('Email', { exact: true }).fill('layout-added@example.com');
  await dialog.getByRole('button', { name: 'Add user and send invite' }).click();
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
  await expect(toasts(page)).toContainText('Invitation email queued for layout-added@example.com');
  await page.getByRole('link', { name: /^Pending \(\d+\)$/ }).click();
  await expect(page.getByRole('row', { name: /layout-added@example\.com/ })).toBeVisible();
  expect(errors).toEqual([]);
});

test('disable, then Undo from the toast; a role change and its Undo', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/users');
  await create('undo-me@example.com', 'analyst', 'Grace', 'Undoable');
  await page.goto('/settings/users?q=undoable');
  await hydrated(page);
  const row = page.locator('table.users-table').getByRole('row', { name: /undo-me@example\.com/ });
  await expect(row).toBeVisible();

  await page.getByLabel('Actions for undo-me@example.com').click();
  await page.getByRole('button', { name: 'Disable access' }).click();
  await expect(toasts(page)).toContainText('Grace Undoable was disabled');
  await expect(page.getByText('No users match “undoable”.')).toBeVisible();
  await toasts(page).getByRole('button', { name: 'Undo' }).click();
  await expect(toasts(page)).toContainText('Grace Undoable was enabled again');
  await expect(row).toBeVisible();
  await expect(row).not.toHaveClass(/disabled/);

  await page.getByLabel('Actions for undo-me@example.com').click();
  await page.getByRole('button', { name: 'Change role' }).click();
  await page.locator('table.users-table').getByLabel('Role', { exact: true }).selectOption({ label: 'Read Only' });
  await page.locator('table.users-table').getByRole('button', { name: 'Save role' }).click();
  const roleToast = page.locator('.toast', { hasText: 'Role changed to Read Only for Grace Undoable' });
  await expect(roleToast).toBeVisible();
  await expect(row).toContainText('Read Only');
  await roleToast.getByRole('button', { name: 'Undo' }).click();
  await expect(toasts(page)).toContainText('Role changed back to Analyst for Grace Undoable');
  await expect(row).toContainText('Analyst');
  expect(errors).toEqual([]);
});

test('an error toast stays until dismissed', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, `/settings/users`);
  await page.goto(`/settings/users?q=${encodeURIComponent(ADMIN.email)}`);
  await hydrated(page);
  await page.getByLabel(`Actions for ${ADMIN.email}`).click();
  await page.getByRole('button', { name: 'Disable access' }).click();
  const error = page.locator('.toast', { hasText: 'You cannot disable yourself.' });
  await expect(error).toBeVisible();
  // Announced at once (an alert), not politely like a success.
  await expect(page.getByRole('alert').filter({ has: error })).toBeVisible();
  // Longer than a success toast lives.
  await page.waitForTimeout(11_000);
  await expect(error).toBeVisible();
  await error.getByRole('button', { name: 'Dismiss' }).click();
  await expect(error).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('`/` focuses the search, and Clear search empties it', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  const search = page.getByLabel('Search users');
  await expect(search).not.toBeFocused();
  await page.keyboard.press('/');
  await expect(search).toBeFocused();
  await page.keyboard.type('lovelace');
  await expect(search).toHaveValue('lovelace'); // the slash itself is not typed
  await expect(page).toHaveURL(/q=lovelace/);
  await page.getByRole('button', { name: 'Clear search' }).click();
  await expect(search).toHaveValue('');
  await expect(page).not.toHaveURL(/q=/);
  await expect(search).toBeFocused();
  await expect(page.getByRole('button', { name: 'Clear search' })).toBeHidden();
  expect(errors).toEqual([]);
});

test('at 360 px nothing overflows the page, and the Menu button opens the navigation', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users', { width: 360, height: 740 });
  const pages = [
    '/',
    '/settings/users',
    '/settings/users?tab=pending',
    '/settings/users?tab=disabled',
    '/settings/groups',
    '/settings/email',
    '/settings/general',
    '/settings/activity',
    '/settings/integrations',
    '/settings/triggers',
    '/profile',
    '/profile/security',
  ];
  for (const path of pages) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${path} is ${width} px wide`).toBeLessThanOrEqual(360);
  }

  await page.goto('/settings/users');
  await hydrated(page);
  const menu = page.getByRole('button', { name: 'Menu' });
  await expect(nav(page)).toBeHidden();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav(page)).toBeVisible();
  await nav(page).getByRole('link', { name: 'Triggers' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Triggers' })).toBeVisible();
  await expect(nav(page)).toBeHidden();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  expect(errors).toEqual([]);
});

test('a dark theme for those who ask for one', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto('/login');
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(background).toBe('rgb(17, 22, 29)');
});
