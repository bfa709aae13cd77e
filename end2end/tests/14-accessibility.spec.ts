import { test, expect, Browser, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { BASE_URL } from '../playwright.config';
import { ADMIN, createUser, hydrated, signIn, USER_PASSWORD } from './helpers';

// axe-core is injected into each page: the console's CSP would refuse it otherwise.
test.use({ bypassCSP: true });
test.describe.configure({ mode: 'serial' });

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

async function signedInAs(browser: Browser, email: string, password: string) {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, email, password);
  await page.waitForURL((url) => url.pathname === '/');
  await hydrated(page);
  return { context, page };
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

test('signed out: login, setup, forgot password, signup and an unknown reset link', async ({ browser }) => {
  const admin = await signedInAs(browser, ADMIN.email, ADMIN.password);
  const invite = await admin.context.request.post('/api/invites/create', {
    headers: { Origin: BASE_URL },
    form: { email: 'axe-invitee@example.com', role: 'analyst', lifetime: '24h' },
  });
  expect(invite.status(), await invite.text()).toBe(200);
  const signupPath = new URL((await invite.json()).url as string).pathname;

  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  for (const path of ['/login', '/setup', '/forgot-password', signupPath, '/reset-password/not-a-real-token']) {
    await check(page, path);
  }
});

test('every console page as a Global Administrator', async ({ browser }) => {
  const { page } = await signedInAs(browser, ADMIN.email, ADMIN.password);
  for (const path of CONSOLE_PAGES) {
    await check(page, path);
  }
  // The dialogs, open.
  await check(page, '/settings/users');
  for (const name of ['Send invite', 'Add new user']) {
    await page.getByRole('button', { name }).click();
    await expect(page.getByRole('dialog', { name })).toBeVisible();
    expect(await seriousViolations(page), `the ${name} dialog`).toEqual([]);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog', { name })).toBeHidden();
  }
});

test('every page a Read Only user and an Analyst can open', async ({ browser }) => {
  const admin = await signedInAs(browser, ADMIN.email, ADMIN.password);
  const anonymous = (await browser.newContext()).request;
  for (const [email, role, first] of [
    ['axe-readonly@example.com', 'read_only', 'Rita'],
    ['axe-analyst@example.com', 'analyst', 'Andy'],
  ]) {
    await createUser(admin.context.request, anonymous, { email, role, firstName: first, lastName: 'Axe' });
    const { page } = await signedInAs(browser, email, USER_PASSWORD);
    for (const path of CONSOLE_PAGES) {
      await check(page, path);
    }
  }
});
