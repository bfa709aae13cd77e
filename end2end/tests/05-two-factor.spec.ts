import { test, expect, Browser, Page } from './fixtures';
import { ADMIN, createUser, hydrated, signIn, signInAt, USER_PASSWORD, watchForErrors } from './helpers';
import { totp } from './totp';

test.describe.configure({ mode: 'serial' });

const GRACE = { email: 'dorothy@example.com', role: 'analyst', firstName: 'Dorothy', lastName: 'Vaughan' };
let key = '';
let recoveryCodes: string[] = [];

async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  return { page, errors: watchForErrors(page) };
}

test('enable 2FA with the QR code\'s key, a code and the password; save the recovery codes', async ({ browser }) => {
  const admin = await browser.newContext();
  const adminPage = await admin.newPage();
  await signInAt(adminPage, '/settings/users');
  await createUser(admin.request, (await browser.newContext()).request, GRACE);

  const { page, errors } = await newPage(browser);
  await signInAt(page, '/profile', GRACE.email, USER_PASSWORD);
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.getByRole('button', { name: 'Enable' }).click();
  await expect(section.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  key = (await section.getByTestId('totp-key').innerText()).trim();
  expect(key.split(' ')).toHaveLength(8);
  await expect(section.getByText('dorothy@example.com')).toBeVisible();

  // A wrong code: a clear message, nothing turned on.
  const wrong = totp(key) === '000000' ? '111111' : '000000';
  await section.getByLabel('6-digit code').fill(wrong);
  await section.getByLabel('Your password').fill(USER_PASSWORD);
  await section.getByRole('button', { name: 'Verify and enable' }).click();
  await expect(section.getByText('That code is not right', { exact: false })).toBeVisible();

  await section.getByLabel('6-digit code').fill(totp(key));
  await section.getByRole('button', { name: 'Verify and enable' }).click();
  const codes = section.getByRole('region', { name: 'Recovery codes' });
  await expect(codes.getByRole('listitem')).toHaveCount(10);
  recoveryCodes = (await codes.getByRole('listitem').allInnerTexts()).map((c) => c.trim());
  for (const code of recoveryCodes) expect(code).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);

  const download = page.waitForEvent('download');
  await codes.getByRole('link', { name: 'Download' }).click();
  expect((await download).suggestedFilename()).toBe('roster-recovery-codes.txt');
  const done = codes.getByRole('button', { name: 'Done' });
  await expect(done).toBeDisabled();
  await codes.getByLabel('I have saved these codes').check();
  await done.click();
  await expect(section.getByText('Two-factor authentication is on')).toBeVisible();
  await expect(section.getByText('10 recovery codes left.')).toBeVisible();
  expect(errors).toEqual([]);
});

test('sign in with a code from the app, then with a recovery code', async ({ browser }) => {
  const { page, errors } = await newPage(browser);
  await page.goto('/login?next=%2Fprofile');
  await hydrated(page);
  await signIn(page, GRACE.email, USER_PASSWORD);
  await expect(page).toHaveURL(/\/login\/two-factor/);
  await expect(page.getByText('Enter the code from your authenticator app.')).toBeVisible();
  await hydrated(page);
  // The next step's code: the current one was used to turn 2FA on, and a code works once.
  await page.getByLabel('6-digit code').fill(totp(key, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/profile');
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();

  const second = await newPage(browser);
  await second.page.goto('/login');
  await hydrated(second.page);
  await signIn(second.page, GRACE.email, USER_PASSWORD);
  await expect(second.page).toHaveURL(/\/login\/two-factor/);
  await hydrated(second.page);
  await second.page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await second.page.getByLabel('Recovery code').fill(recoveryCodes[0].toLowerCase());
  await second.page.getByRole('button', { name: 'Sign in' }).click();
  await expect(second.page.getByText('You signed in with a recovery code. 9 recovery codes left.')).toBeVisible();
  await hydrated(second.page);
  await expect(second.page.getByText('9 recovery codes left.', { exact: true })).toBeVisible();
  expect(errors).toEqual([]);
  expect(second.errors).toEqual([]);
});

test('an admin disables the user\'s 2FA, confirmed with their own password', async ({ browser }) => {
  const { page, errors } = await newPage(browser);
  await signInAt(page, '/settings/users?q=dorothy');
  const row = page.locator('table.users-table').getByRole('row', { name: /dorothy@example\.com/ });
  await expect(row.getByRole('cell', { name: 'On', exact: true })).toBeVisible();
  await page.getByLabel('2FA').selectOption({ label: 'On' });
  await expect(page).toHaveURL(/two_factor=on/);
  await expect(row).toBeVisible();

  await page.getByLabel('Actions for dorothy@example.com').click();
  await page.getByRole('button', { name: 'Disable 2FA' }).click();
  const dialog = page.getByRole('dialog', { name: 'Disable 2FA for Dorothy Vaughan?' });
  await dialog.getByLabel('Your password').fill('not my password at all');
  await dialog.getByRole('button', { name: 'Disable 2FA' }).click();
  await expect(dialog.getByText('Your password is not right. Nothing was changed.')).toBeVisible();
  await dialog.getByLabel('Your password').fill(ADMIN.password);
  await dialog.getByRole('button', { name: 'Disable 2FA' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No users match “dorothy”.')).toBeVisible();
  await page.getByLabel('2FA').selectOption({ label: 'Any' });
  await expect(row.getByRole('cell', { name: 'Off', exact: true })).toBeVisible();

  // Grace signs in with her password alone again.
  const grace = await newPage(browser);
  await signInAt(grace.page, '/profile', GRACE.email, USER_PASSWORD);
  await expect(grace.page.getByRole('button', { name: 'Enable' })).toBeVisible();
  expect(errors).toEqual([]);
  expect(grace.errors).toEqual([]);
});
