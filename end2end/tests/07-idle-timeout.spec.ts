import { test, expect, Browser, Page } from './fixtures';
import { ADMIN, hydrated, signIn, signInOrSetUpAt, watchForErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

// The browser's clock is moved with Playwright's clock API; the server's is not. So the server
// never ends these sessions itself: what lands on the login page is the page's own sign-out when
// its countdown runs out, which is what these tests are about.

const WARNING = { name: 'Are you still there?' };


/** Settings → General → Logout timeouts, through the form. */
async function saveTimeouts(page: Page, idleMinutes: string, absoluteHours: string) {
  await page.goto('/settings/general');
  await hydrated(page);
  await page.getByLabel('Idle timeout (minutes)').fill(idleMinutes);
  await page.getByLabel('Absolute timeout (hours)').fill(absoluteHours);
  await page.getByRole('button', { name: 'Save timeouts' }).click();
  await expect(page.getByText('Session timeouts saved.')).toBeVisible();
}

/** A browser whose clock the test moves, signed in on `path` with a 5-minute idle timeout. */
async function browserWithFiveMinutes(browser: Browser, path: string) {
  const context = await browser.newContext();
  await context.clock.install();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signInOrSetUpAt(page, '/settings/general');
  await saveTimeouts(page, '5', '12');
  // A page load brings the new timeout.
  await page.goto(path);
  await hydrated(page);
  return { context, page, errors };
}

test('the warning before idle sign-out: Stay signed in keeps the session, running out signs out', async ({
  browser,
}) => {
  const { context, page, errors } = await browserWithFiveMinutes(browser, '/settings/users?q=ada');
  const warning = page.getByRole('dialog', WARNING);
  await expect(warning).toBeHidden();

  // Two minutes before the 5 minutes are up, the warning opens with a countdown, focus in it.
  await page.clock.fastForward('03:10');
  await expect(warning).toBeVisible();
  await expect(warning.getByRole('timer')).toHaveText(/^1:[0-5]\d$/);
  const stay = warning.getByRole('button', { name: 'Stay signed in' });
  await expect(stay).toBeFocused();
  await expect(warning.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(warning.getByRole('button', { name: 'Sign out' })).toBeFocused();

  // Stay signed in: one request, the dialog closes.
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/auth/stay-signed-in')),
    stay.click(),
  ]);
  expect(answer.status()).toBe(200);
  await expect(warning).toBeHidden();

  // Well past the first 5 minutes the page is still signed in, and warns again later on.
  await page.clock.fastForward('03:10');
  await expect(warning).toBeVisible();
  await expect(page).toHaveURL(/\/settings\/users\?q=ada$/);
  // Escape is "Stay signed in" too.
  await page.keyboard.press('Escape');
  await expect(warning).toBeHidden();
  await expect(page).toHaveURL(/\/settings\/users\?q=ada$/);

  // This time nobody answers: the countdown runs out and the page signs out.
  await page.clock.fastForward('03:10');
  await expect(warning).toBeVisible();
  await page.clock.runFor('02:00');
  await expect(page).toHaveURL(/\/login\?reason=idle&next=/);
  await expect(page.getByText('You were signed out after 5 minutes of inactivity.')).toBeVisible();
  // The session is over on the server too.
  const viewer = await page.request.post('/api/auth/viewer', { headers: { Origin: new URL(page.url()).origin } });
  expect(await viewer.text()).not.toContain('SignedIn');

  // Signing in returns to the page the user was on.
  await hydrated(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.waitForURL((url) => url.pathname === '/settings/users');
  await expect(page).toHaveURL(/\/settings\/users\?q=ada$/);
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('two tabs agree: staying signed in in one closes the warning in both; both sign out together', async ({
  browser,
}) => {
  const { context, page: one, errors } = await browserWithFiveMinutes(browser, '/profile');
  const two = await context.newPage();
  const errorsTwo = watchForErrors(two);
  await two.goto('/settings/users');
  await hydrated(two);

  await one.clock.fastForward('03:10');
  await expect(one.getByRole('dialog', WARNING)).toBeVisible();
  await expect(two.getByRole('dialog', WARNING)).toBeVisible();
  await two.getByRole('dialog', WARNING).getByRole('button', { name: 'Stay signed in' }).click();
  await expect(two.getByRole('dialog', WARNING)).toBeHidden();
  await expect(one.getByRole('dialog', WARNING)).toBeHidden();

  // Activity in one tab (a server call) counts for the other as well.
  await one.clock.fastForward('02:30');
  await Promise.all([
    two.waitForResponse((r) => r.url().includes('/api/users/list')),
    two.getByLabel('Search users').fill('ada'),
  ]);
  // Without that call the warning would be open by now, a minute before sign-out.
  await one.clock.fastForward('01:30');
  await expect(one.getByRole('dialog', WARNING)).toBeHidden();
  await expect(two.getByRole('dialog', WARNING)).toBeHidden();

  // Left alone, both tabs sign out, each to come back to its own page.
  await one.clock.fastForward('06:00');
  await expect(one).toHaveURL(/\/login\?reason=idle&next=\/profile$/);
  await expect(two).toHaveURL(/\/login\?reason=idle&next=\/settings\/users/);
  await expect(two.getByText('You were signed out after 5 minutes of inactivity.')).toBeVisible();
  expect(errors).toEqual([]);
  expect(errorsTwo).toEqual([]);
  await context.close();
});

test('before the absolute limit a notice says when the session ends; then the login page says why', async ({
  browser,
}) => {
  const context = await browser.newContext();
  await context.clock.install();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signInOrSetUpAt(page, '/settings/general');
  // One hour in all, and as long idle: the limit comes first, and no warning offers to stay.
  await saveTimeouts(page, '60', '1');
  await page.goto('/profile');
  await hydrated(page);
  const notice = page.getByRole('status').filter({ hasText: 'Your session ends at' });
  await expect(notice).toBeHidden();
  await page.clock.fastForward('56:00');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('cannot be extended');
  await expect(page.getByRole('dialog', WARNING)).toBeHidden();
  await page.clock.fastForward('05:00');
  await expect(page).toHaveURL(/\/login\?reason=expired&next=\/profile$/);
  await expect(
    page.getByText('You were signed out because your session reached its 1-hour limit.', { exact: false }),
  ).toBeVisible();

  // Back to the defaults for whatever runs next.
  await hydrated(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  // (The login page's own URL ends in `next=/profile`: wait for the page itself.)
  await page.waitForURL((url) => url.pathname === '/profile');
  await hydrated(page);
  await saveTimeouts(page, '30', '12');
  expect(errors).toEqual([]);
  await context.close();
});
