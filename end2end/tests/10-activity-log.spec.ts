import { test, expect, Page } from './fixtures';
import * as fs from 'fs';
import { BASE_URL } from '../playwright.config';
import { ADMIN, createUser, hydrated, signIn, signInOrSetUpAt, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

// A user no other spec creates, so the rows this spec looks for are its own.
const GRACE = { email: 'grace.hopper@example.com', role: 'analyst', firstName: 'Grace', lastName: 'Hopper' };


test('filter the log by actor and action, expand a role change and see before/after, export CSV and read the file', async ({ page, browser }) => {
  const errors = watchForErrors(page);
  await signInOrSetUpAt(page, '/settings/activity');
  await expect(page.getByRole('heading', { name: 'Activity Log' })).toBeVisible();

  // Grace joins as an Analyst and the admin makes her an Administrator (through the API: the
  // users page has its own spec).
  const admin = page.context().request;
  await createUser(admin, (await browser.newContext()).request, GRACE);
  const headers = { Origin: BASE_URL };
  const list = await admin.post('/api/users/list', { headers, form: { q: 'grace.hopper' } });
  expect(list.status(), await list.text()).toBe(200);
  const grace = (await list.json()).rows.find((r: { email: string }) => r.email === GRACE.email);
  const changed = await admin.post('/api/users/change_role', { headers, form: { user_id: String(grace.id), role: 'admin' } });
  expect(changed.status(), await changed.text()).toBe(200);

  // Filter by actor and action: the filters land in the URL.
  await page.reload();
  await hydrated(page);
  await page.getByLabel('Actor').fill(ADMIN.email);
  await page.getByLabel('Action').selectOption([{ label: 'Changed role' }, { label: 'Disabled access' }]);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/actor=ada%40example\.com/);
  await expect(page).toHaveURL(/action=user\.role_changed/);
  await hydrated(page);
  const table = page.locator('table.activity-table');
  const entry = table.locator('tbody.entry').filter({ hasText: 'Grace Hopper' });
  await expect(entry).toHaveCount(1);
  // Every row shown is one of the chosen actions by the chosen actor.
  const actions = await table.locator('tbody.entry > tr:first-child > td:nth-child(3)').allInnerTexts();
  expect(actions.length).toBeGreaterThan(0);
  for (const a of actions) expect(['Changed role', 'Disabled access']).toContain(a.trim());

  // Expand the role change: before and after side by side, the change marked.
  const toggle = entry.getByRole('button', { name: 'Changed role' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const diff = entry.getByRole('table', { name: 'Before and after' });
  await expect(diff).toBeVisible();
  const roleRow = diff.getByRole('row').filter({ hasText: 'role' });
  await expect(roleRow.getByRole('cell').nth(0)).toHaveText('Analyst');
  await expect(roleRow.locator('mark')).toHaveText('Administrator');
  // The exact UTC time on hover.
  await expect(entry.locator('time')).toHaveAttribute('title', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  // Export the current filter as CSV and read the file.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file, 'utf8').split('\r\n').filter((l) => l.length > 0);
  expect(lines[0]).toBe('id,time_utc,actor_name,actor_email,action,action_label,object_type,object_name,outcome,reason,ip,user_agent,details');
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) {
    expect(line).toContain(ADMIN.email);
    expect(line).toMatch(/,user\.(role_changed|disabled),/);
  }
  expect(lines.some((l) => l.includes('Grace Hopper') && l.includes('Changed role'))).toBe(true);
  // The export itself is in the log.
  await page.goto('/settings/activity?action=activity.exported');
  await hydrated(page);
  await expect(page.locator('tbody.entry').first()).toContainText('Exported activity log');
  expect(errors).toEqual([]);
});

test('Verify reports an intact log', async ({ page }) => {
  const errors = watchForErrors(page);
  await signInOrSetUpAt(page, '/settings/activity');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'The log is intact' })).toContainText(/The log is intact: \d+ entries checked\./);
  expect(errors).toEqual([]);
});
