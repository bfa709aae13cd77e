import { test, expect } from './fixtures';
import { ADMIN, createUser, ensureMailer, hydrated, signIn, signInOrSetUpAt, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

// Emails no other spec uses (the specs share one database).
const RUN = Date.now().toString(36);
const OLIVE = { email: `olive.overview.${RUN}@example.com`, role: 'read_only', firstName: 'Olive', lastName: 'Overview' };
const ARLO = { email: `arlo.analyst.${RUN}@example.com`, role: 'analyst', firstName: 'Arlo', lastName: 'Analyst' };


test('the home page counts users by role and a count opens the filtered users list', async ({ page, browser }) => {
  const errors = watchForErrors(page);
  await signInOrSetUpAt(page, '/');
  const anonymous = (await browser.newContext()).request;
  await createUser(page.context().request, anonymous, OLIVE);
  await createUser(page.context().request, anonymous, ARLO);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: `Welcome, ${ADMIN.firstName}` })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Active users by role' })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Global Administrator: \d+$/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Pending invitations: \d+$/ })).toBeVisible();
  await expect(page.getByRole('link', { name: /^Disabled users: \d+$/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Email delivery' })).toBeVisible();
  await expect(page.getByText('Failed in the last 24 hours')).toBeVisible();
  // The chart, with its table for screen readers (the admin just signed in: at least one).
  await expect(page.getByRole('heading', { name: 'Sign-ins, last 7 days' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Sign-ins per hour, last 7 days (UTC)' });
  await expect(table).toBeAttached();
  await expect(table.getByRole('columnheader', { name: 'Failed' })).toBeAttached();
  // The admin signed in this hour (unless this file runs alone on a fresh server: setup is no sign-in).
  await expect(table.getByRole('rowheader', { name: / UTC$/ }).or(table.getByText('No sign-ins in the last 7 days.')).first()).toBeAttached();

  const readOnly = page.getByRole('link', { name: /^Read Only: \d+$/ });
  const count = Number((await readOnly.textContent())!.split(': ')[1]);
  expect(count).toBeGreaterThanOrEqual(1);
  await readOnly.click();
  await expect(page).toHaveURL(/\/settings\/users\?tab=active&role=read_only$/);
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
  await expect(page.getByLabel('Filter by role')).toHaveValue('read_only');
  await expect(page.getByRole('link', { name: `Active (${count})` })).toBeVisible();
  await expect(page.getByRole('cell', { name: OLIVE.email })).toBeVisible();
  await expect(page.getByRole('cell', { name: ADMIN.email })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a user who cannot view users sees their own summary', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  const errors = watchForErrors(page);
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, ARLO.email, 'a perfectly fine password');
  await expect(page.getByRole('heading', { name: 'Welcome, Arlo' })).toBeVisible();
  const account = page.getByRole('region', { name: 'Your account' });
  await expect(account).toContainText(ARLO.email);
  await expect(account).toContainText('Analyst');
  await expect(account).toContainText('2FA');
  await expect(page.getByRole('heading', { name: 'Active users by role' })).toHaveCount(0);
  await hydrated(page);
  await account.getByRole('link', { name: 'Profile', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('invite from CSV: preview flags the bad row, send shows progress and a summary', async ({ page }) => {
  const errors = watchForErrors(page);
  await signInOrSetUpAt(page, '/settings/users');
  await ensureMailer(page);
  await page.getByRole('link', { name: 'Invite from CSV' }).click();
  await expect(page.getByRole('heading', { name: 'Invite from CSV' })).toBeVisible();
  await hydrated(page);

  const good1 = `csv.one.${RUN}@example.com`;
  const good2 = `csv.two.${RUN}@example.com`;
  await page
    .getByLabel('CSV', { exact: true })
    .fill(`email,first_name,last_name,role\n${good1},Csv,One,Analyst\nnot-an-email,Bad,Row,analyst\n${good2},,,read_only\n`);
  await page.getByLabel('Links valid for').selectOption({ label: '3 days' });
  await page.getByRole('button', { name: 'Preview' }).click();

  await expect(page.getByRole('heading', { name: '2 to send, 1 skipped' })).toBeVisible();
  const skipped = page.getByRole('table', { name: 'Rows that will be skipped' });
  await expect(skipped.getByRole('row', { name: /not-an-email/ })).toContainText('Enter an email address like name@example.com.');
  const toSend = page.getByRole('table', { name: 'Invitations to send' });
  await expect(toSend.getByRole('row', { name: new RegExp(good1.replace(/\./g, '\\.')) })).toContainText('Analyst');
  await expect(toSend.getByRole('row', { name: new RegExp(good2.replace(/\./g, '\\.')) })).toContainText('Read Only');

  await page.getByRole('button', { name: 'Send 2 invitations' }).click();
  const progress = page.getByRole('progressbar', { name: 'Sending invitations' });
  await expect(progress).toHaveAttribute('value', '2');
  await expect(page.getByText('2 of 2 rows sent')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  await expect(page.getByText('2 sent, 1 skipped.')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Skipped rows' }).getByRole('row', { name: /not-an-email/ })).toBeVisible();

  const download = page.getByRole('link', { name: 'Download summary' });
  const href = (await download.getAttribute('href'))!;
  expect(href.startsWith('data:text/csv')).toBe(true);
  const csv = decodeURIComponent(href.split(',').slice(1).join(','));
  expect(csv).toContain('line,email,first_name,last_name,role,outcome,reason');
  expect(csv).toContain(`${good1},Csv,One,Analyst,sent,`);
  expect(csv).toContain('not-an-email,Bad,Row,analyst,skipped,Enter an email address like name@example.com.');

  // The invitations are pending, emailed.
  await page.goto('/settings/users?tab=pending');
  await hydrated(page);
  await expect(page.getByRole('row', { name: new RegExp(good1.replace(/\./g, '\\.')) })).toBeVisible();
  expect(errors).toEqual([]);
});
