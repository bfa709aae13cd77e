import { test, expect } from './fixtures';
import { ADMIN, hydrated, inviteByLink, signIn, watchForErrors } from './helpers';

test('invite by link: the invitee signs up in another browser, the link works once', async ({ browser }) => {
  const adminContext = await browser.newContext();
  await adminContext.grantPermissions(['clipboard-read', 'clipboard-write']);
  const admin = await adminContext.newPage();
  const adminErrors = watchForErrors(admin);

  await admin.goto('/login?next=/settings/users');
  await hydrated(admin);
  await signIn(admin, ADMIN.email, ADMIN.password);
  await expect(admin.getByRole('heading', { name: 'User Management' })).toBeVisible();
  await hydrated(admin);
  await admin.getByRole('link', { name: 'Pending (0)' }).click();
  await expect(admin.getByText('No pending invitations.')).toBeVisible();

  const { dialog, link } = await inviteByLink(admin, 'grace@example.com', 'Administrator', '3 days');
  await dialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await admin.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // The pending list shows the invitation.
  const row = admin.getByRole('row', { name: /grace@example\.com/ });
  await expect(row).toContainText('Administrator');
  await expect(row).toContainText(`${ADMIN.firstName} ${ADMIN.lastName}`);

  // A second browser (no shared cookies) signs up through the link.
  const inviteeContext = await browser.newContext();
  const invitee = await inviteeContext.newPage();
  const inviteeErrors = watchForErrors(invitee);
  await invitee.goto(link);
  await expect(invitee.getByRole('heading', { name: 'Join Roster' })).toBeVisible();
  await expect(invitee.getByLabel('Email')).toHaveValue('grace@example.com');
  await expect(invitee.getByText('invited you as')).toContainText('Administrator');
  await hydrated(invitee);
  await invitee.getByLabel('First name').fill('Grace');
  await invitee.getByLabel('Last name').fill('Hopper');
  await invitee.getByLabel('Password', { exact: true }).fill('short');
  await expect(invitee.getByText('Password must be at least 12 characters.')).toBeVisible();
  await invitee.getByLabel('Password', { exact: true }).fill('nanoseconds are a foot long');
  await invitee.getByLabel('Confirm password').fill('nanoseconds are a foot long');
  await invitee.getByRole('button', { name: 'Create my account' }).click();
  await expect(invitee.getByRole('heading', { name: 'Welcome, Grace' })).toBeVisible();
  // The role the invitation gave, as the invitee's profile shows it.
  await invitee.goto('/profile');
  await expect(invitee.locator('dd', { hasText: /^Administrator$/ })).toBeVisible();

  // The link is single-use.
  const third = await (await browser.newContext()).newPage();
  await third.goto(link);
  await expect(third.getByText('This invitation link has already been used.')).toBeVisible();
  await expect(third.getByText('Ask an administrator for a new invitation.')).toBeVisible();

  // The invitation left the pending list.
  await admin.reload();
  await expect(admin.getByText('No pending invitations.')).toBeVisible();
  await expect(admin.getByRole('link', { name: 'Pending (0)' })).toBeVisible();

  expect(adminErrors).toEqual([]);
  expect(inviteeErrors).toEqual([]);
});

test('revoking an invitation asks first, then kills its link', async ({ page }) => {
  const errors = watchForErrors(page);
  await page.goto('/login?next=/settings/users');
  await hydrated(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
  await hydrated(page);
  await page.getByRole('link', { name: 'Pending (0)' }).click();
  const { link } = await inviteByLink(page, 'eve@example.com');
  await page.keyboard.press('Escape');

  const row = page.getByRole('row', { name: /eve@example\.com/ });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row).toContainText('Revoke the invitation for eve@example.com?');
  await row.getByRole('button', { name: 'Revoke invitation' }).click();
  await expect(page.getByText('No pending invitations.')).toBeVisible();
  await expect(page.getByRole('status')).toContainText('Invitation revoked');

  await page.goto(link);
  await expect(page.getByText('This invitation link has been revoked.')).toBeVisible();
  expect(errors).toEqual([]);
});
