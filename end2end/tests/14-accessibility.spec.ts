import { test, expect, Browser, Page } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import { BASE_URL } from '../playwright.config';
import { ADMIN, createUser, hydrated, signIn, USER_PASSWORD } from './helpers';

// axe-core is injected into each page: the console's CSP would refuse it otherwise.
test.use({ bypassCSP: true });

type StorageState = Awaited<ReturnType<import('@playwright/test').BrowserContext['storageState']>>;

/** Violations of impact serious or critical on the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function check(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  expect(await seriousViolations(page), `${path}`).toEqual([]);
}

/** Signs in through the login page and keeps the session cookie for the tests below. */
async function sessionOf(browser: Browser, email: string, password: string): Promise<StorageState> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, email, password);
  await page.waitForURL((url) => url.pathname === '/');
  const state = await context.storageState();
  await context.close();
  return state;
}

const CONSOLE_PAGES = [
  '/',
  '/profile',
  '/profile/security',
  '/two-factor/setup',
  '/settings/users',
  '/settings/users?tab=pending',
  '/settings/users?tab=disabled',
  '/settings/users/invite-csv',
  '/settings/groups',
  '/settings/email',
  '/settings/general',
  '/settings/activity',
  '/settings/integrations',
  '/settings/triggers',
];

const VIEWERS = ['a Global Administrator', 'a Read Only user', 'an Analyst'] as const;
type Viewer = (typeof VIEWERS)[number];

// One test per page and viewer, each in a fresh context from a saved session: a slow page gets
// its own time budget and a failure names the page. Emails are unique per run, so the set-up
// can run again after a failure restarts the worker.
const run = Date.now();
const sessions = new Map<Viewer, StorageState>();
let signupPath = '';

test.beforeAll(async ({ browser }) => {
  test.setTimeout(120_000);
  sessions.set('a Global Administrator', await sessionOf(browser, ADMIN.email, ADMIN.password));
  const admin = await browser.newContext({ storageState: sessions.get('a Global Administrator') });
  const anonymous = await browser.newContext();
  const invite = await admin.request.post('/api/invites/create', {
    headers: { Origin: BASE_URL },
    form: { email: `axe-invitee-${run}@example.com`, role: 'analyst', lifetime: '24h' },
  });
  expect(invite.status(), await invite.text()).toBe(200);
  signupPath = new URL((await invite.json()).url as string).pathname;
  for (const [viewer, role, first] of [
    ['a Read Only user', 'read_only', 'Rita'],
    ['an Analyst', 'analyst', 'Andy'],
  ] as const) {
    const email = `axe-${role}-${run}@example.com`;
    await createUser(admin.request, anonymous.request, { email, role, firstName: first, lastName: 'Axe' });
    sessions.set(viewer, await sessionOf(browser, email, USER_PASSWORD));
  }
  await admin.close();
  await anonymous.close();
});

for (const path of ['/login', '/setup', '/forgot-password', 'the signup page', '/reset-password/not-a-real-token']) {
  test(`signed out: ${path}`, async ({ page }) => {
    await check(page, path === 'the signup page' ? signupPath : path);
  });
}

for (const viewer of VIEWERS) {
  for (const path of CONSOLE_PAGES) {
    test(`${path} as ${viewer}`, async ({ browser }) => {
      const context = await browser.newContext({ bypassCSP: true, storageState: sessions.get(viewer) });
      await check(await context.newPage(), path);
    });
  }
}

test('the Send invite and Add new user dialogs, open', async ({ browser }) => {
  const context = await browser.newContext({ bypassCSP: true, storageState: sessions.get('a Global Administrator') });
  const page = await context.newPage();
  await check(page, '/settings/users');
  for (const name of ['Send invite', 'Add new user']) {
    await page.getByRole('button', { name }).click();
    await expect(page.getByRole('dialog', { name })).toBeVisible();
    expect(await seriousViolations(page), `the ${name} dialog`).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog', { name })).toBeHidden();
  }
});

test('the row menu\'s Delete and Sessions dialogs, and Sign out all other sessions, open', async ({ browser }) => {
  const context = await browser.newContext({ bypassCSP: true, storageState: sessions.get('a Global Administrator') });
  const page = await context.newPage();
  const email = `axe-analyst-${run}@example.com`;
  await check(page, `/settings/users?q=${encodeURIComponent(email)}`);

  await page.getByLabel(`Actions for ${email}`).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: `Delete Andy Axe (${email})? This cannot be undone.` });
  await expect(confirm).toBeVisible();
  expect(await seriousViolations(page), 'the Delete confirmation').toEqual([]);
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();

  // The row menu stays open behind the closed dialog: start again from a fresh page.
  await check(page, `/settings/users?q=${encodeURIComponent(email)}`);
  await page.getByLabel(`Actions for ${email}`).click();
  await page.getByRole('button', { name: 'Sessions', exact: true }).click();
  const sessionsDialog = page.getByRole('dialog', { name: 'Sessions of Andy Axe' });
  await expect(sessionsDialog).toBeVisible();
  expect(await seriousViolations(page), 'the Sessions dialog').toEqual([]);
  await page.keyboard.press('Escape');
  await expect(sessionsDialog).toBeHidden();

  await check(page, '/profile/security');
  const opener = page.getByRole('button', { name: 'Sign out all other sessions' });
  await opener.click();
  const signOutOthers = page.getByRole('dialog', { name: 'Sign out all other sessions?' });
  await expect(signOutOthers).toBeVisible();
  expect(await seriousViolations(page), 'the Sign out all other sessions dialog').toEqual([]);
  // Escape closes it, and focus goes back to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(signOutOthers).toBeHidden();
  await expect(opener).toBeFocused();
});
