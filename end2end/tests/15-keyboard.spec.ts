import { test, expect, Browser, Page } from './fixtures';
import { ADMIN, createUser, ensureMailer, hydrated, signInAt, USER_PASSWORD, watchForErrors } from './helpers';
import { activate, choose, isFocused, tabTo, typeInto } from './keyboard';
import { totp } from './totp';
import { MailSink } from './mail-sink';
import { BASE_URL, PORT } from '../playwright.config';

// Each flow of the suite once more, with the keyboard alone: Tab to a control, type, Enter.
// People are unique per run, so a retry after a failure starts clean.
const RUN = Date.now();

async function adminAt(browser: Browser, next: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await signInAt(page, next);
  const create = async (email: string, role: string, firstName: string, lastName: string) =>
    createUser(context.request, (await browser.newContext()).request, { email, role, firstName, lastName });
  return { page, errors, create };
}

async function keyboardSignIn(page: Page, email: string, password: string) {
  await typeInto(page, page.getByLabel('Email'), email);
  await typeInto(page, page.getByLabel('Password', { exact: true }), password);
  await page.keyboard.press('Enter');
}

test('sign in and sign out', async ({ page }) => {
  const errors = watchForErrors(page);
  await page.goto('/login');
  await hydrated(page);
  await keyboardSignIn(page, ADMIN.email, ADMIN.password);
  await page.waitForURL((url) => url.pathname === '/');
  await hydrated(page);

  const account = page.getByRole('navigation', { name: 'Account' });
  await activate(page, account.locator('summary'));
  await activate(page, account.getByRole('button', { name: 'Sign out' }));
  await expect(page).toHaveURL(/\/login/);
  expect(errors).toEqual([]);
});

test('send an invite link and sign up through it', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  const email = `kb.invitee.${RUN}@example.com`;

  const opener = page.getByRole('button', { name: 'Send invite' });
  await activate(page, opener);
  const dialog = page.getByRole('dialog', { name: 'Send invite' });
  await expect(dialog).toBeVisible();
  await typeInto(page, dialog.getByLabel('Email', { exact: true }), email);
  await choose(page, dialog.getByLabel('Role'), 'Analyst');
  await activate(page, dialog.getByRole('button', { name: 'Get an invite link' }));
  const linkBox = dialog.getByLabel('Invite link');
  await expect(linkBox).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  const link = await linkBox.inputValue();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect(await isFocused(opener)).toBe(true);

  const invitee = await (await browser.newContext()).newPage();
  const inviteeErrors = watchForErrors(invitee);
  await invitee.goto(link);
  await hydrated(invitee);
  await typeInto(invitee, invitee.getByLabel('First name'), 'Kay');
  await typeInto(invitee, invitee.getByLabel('Last name'), 'Board');
  await typeInto(invitee, invitee.getByLabel('Password', { exact: true }), USER_PASSWORD);
  await typeInto(invitee, invitee.getByLabel('Confirm password'), USER_PASSWORD);
  await activate(invitee, invitee.getByRole('button', { name: 'Create my account' }));
  await expect(invitee.getByRole('heading', { name: 'Welcome, Kay' })).toBeVisible();
  expect(errors).toEqual([]);
  expect(inviteeErrors).toEqual([]);
});

test('change a role and disable a user from the row menu', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/users');
  const email = `kb.row.${RUN}@example.com`;
  await create(email, 'analyst', 'Rowan', 'Keys');
  await page.goto(`/settings/users?q=${encodeURIComponent(email)}`);
  await hydrated(page);
  const row = page.locator('table.users-table').getByRole('row', { name: new RegExp(email.replace(/\./g, '\\.')) });
  await expect(row).toContainText('Analyst');

  const menu = page.getByLabel(`Actions for ${email}`);
  await activate(page, menu);
  await activate(page, page.getByRole('button', { name: 'Change role' }));
  await choose(page, row.getByLabel('Role', { exact: true }), 'Administrator');
  await activate(page, row.getByRole('button', { name: 'Save role' }));
  await expect(row).toContainText('Administrator');

  await activate(page, menu);
  await activate(page, page.getByRole('button', { name: 'Disable access' }));
  await expect(page.getByRole('status').filter({ hasText: 'Rowan Keys was disabled' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('move between settings sections and filter the activity log', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await activate(page, nav.getByRole('link', { name: 'Activity Log' }));
  await expect(page.getByRole('heading', { level: 1, name: 'Activity Log' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Activity Log' })).toHaveAttribute('aria-current', 'page');
  await hydrated(page);

  await typeInto(page, page.getByLabel('Actor'), ADMIN.email);
  await choose(page, page.getByLabel('Action'), 'Signed in');
  await activate(page, page.getByRole('button', { name: 'Apply filters' }));
  await expect(page).toHaveURL(/actor=ada%40example\.com/);
  await expect(page).toHaveURL(/action=auth\.login/);
  const actions = page.locator('table.activity-table tbody.entry > tr:first-child > td:nth-child(3)');
  await expect(actions.first()).toHaveText('Signed in');
  expect(errors).toEqual([]);
});

test('turn on 2FA, then sign in with a code', async ({ browser }) => {
  const { create } = await adminAt(browser, '/settings/users');
  const email = `kb.2fa.${RUN}@example.com`;
  await create(email, 'analyst', 'Otto', 'Keys');

  const page = await (await browser.newContext()).newPage();
  const errors = watchForErrors(page);
  await page.goto('/login?next=%2Fprofile');
  await hydrated(page);
  await keyboardSignIn(page, email, USER_PASSWORD);
  await page.waitForURL((url) => url.pathname === '/profile');
  await hydrated(page);

  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await activate(page, section.getByRole('button', { name: 'Enable' }));
  const key = (await section.getByTestId('totp-key').innerText()).trim();
  await typeInto(page, section.getByLabel('6-digit code'), totp(key));
  await typeInto(page, section.getByLabel('Your password'), USER_PASSWORD);
  await activate(page, section.getByRole('button', { name: 'Verify and enable' }));
  const codes = section.getByRole('region', { name: 'Recovery codes' });
  await expect(codes.getByRole('listitem')).toHaveCount(10);
  await activate(page, codes.getByLabel('I have saved these codes'), 'Space');
  await activate(page, codes.getByRole('button', { name: 'Done' }));
  await expect(section.getByText('Two-factor authentication is on')).toBeVisible();

  const again = await (await browser.newContext()).newPage();
  const againErrors = watchForErrors(again);
  await again.goto('/login?next=%2Fprofile');
  await hydrated(again);
  await keyboardSignIn(again, email, USER_PASSWORD);
  await expect(again).toHaveURL(/\/login\/two-factor/);
  await hydrated(again);
  await typeInto(again, again.getByLabel('6-digit code'), totp(key, Date.now() / 1000 + 30));
  await again.keyboard.press('Enter');
  await again.waitForURL((url) => url.pathname === '/profile');
  expect(errors).toEqual([]);
  expect(againErrors).toEqual([]);
});

test('invite from CSV', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users/invite-csv');
  await ensureMailer(page);
  const one = `kb.csv.${RUN}@example.com`;
  await typeInto(page, page.getByLabel('CSV', { exact: true }), `${one},Csv,Keys,Analyst`);
  await activate(page, page.getByRole('button', { name: 'Preview' }));
  await expect(page.getByRole('heading', { name: '1 to send, 0 skipped' })).toBeVisible();
  await activate(page, page.getByRole('button', { name: 'Send 1 invitation' }));
  await expect(page.getByRole('heading', { name: 'Summary' })).toBeVisible();
  await expect(page.getByText('1 sent, 0 skipped.')).toBeVisible();
  expect(errors).toEqual([]);
});

test('add a new user by email, from the Add new user dialog', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/users');
  await ensureMailer(page);
  const email = `kb.added.${RUN}@example.com`;
  const opener = page.getByRole('button', { name: 'Add new user' });
  await activate(page, opener);
  const dialog = page.getByRole('dialog', { name: 'Add new user' });
  await typeInto(page, dialog.getByLabel('First name'), 'Ada');
  await typeInto(page, dialog.getByLabel('Last name'), 'Keys');
  await typeInto(page, dialog.getByLabel('Email', { exact: true }), email);
  await choose(page, dialog.getByLabel('Role'), 'Read Only');
  await activate(page, dialog.getByRole('button', { name: 'Add user and send invite' }));
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: email })).toBeVisible();
  expect(await isFocused(opener)).toBe(true);
  expect(errors).toEqual([]);
});

test('create a group and add a member', async ({ browser }) => {
  const { page, errors, create } = await adminAt(browser, '/settings/groups');
  const email = `kb.member.${RUN}@example.com`;
  await create(email, 'read_only', 'Gus', 'Keys');
  const name = `Keyboard ${RUN}`;
  await typeInto(page, page.getByLabel('Name', { exact: true }), name);
  await typeInto(page, page.getByLabel('Description'), 'Made without a mouse');
  await choose(page, page.getByLabel('Role', { exact: true }), 'Analyst');
  await activate(page, page.getByRole('button', { name: 'Create group' }));
  const group = page.getByRole('region', { name: `Group ${name}` });
  await expect(group).toBeVisible();
  await typeInto(page, group.getByLabel('Find a user'), `kb.member.${RUN}`);
  await activate(page, group.getByRole('button', { name: `Add ${email}` }));
  await expect(group.getByRole('button', { name: `Remove ${email} from ${name}` })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a webhook integration and a "User added" trigger', async ({ browser }) => {
  const { page, errors } = await adminAt(browser, '/settings/integrations');
  const name = `Keyboard hook ${RUN}`;
  await choose(page, page.getByLabel('Type'), 'Webhook');
  await typeInto(page, page.getByLabel('Name'), name);
  await typeInto(page, page.getByLabel('URL', { exact: true }), 'http://127.0.0.1:9/keyboard');
  await activate(page, page.getByRole('button', { name: 'Add integration' }));
  await expect(page.locator('code.secret')).toHaveText(/^whsec_[0-9a-f]{64}$/);

  await activate(page, page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Triggers' }));
  await expect(page.getByRole('heading', { level: 1, name: 'Triggers' })).toBeVisible();
  await hydrated(page);
  const trigger = `Keyboard trigger ${RUN}`;
  await typeInto(page, page.getByLabel('Name'), trigger);
  await choose(page, page.getByLabel('Condition'), 'User added');
  await activate(page, page.getByLabel('Analyst'), 'Space');
  await activate(page, page.getByLabel(`${name} (Webhook)`), 'Space');
  await activate(page, page.getByRole('button', { name: 'Create trigger' }));
  const row = page.getByRole('row', { name: new RegExp(trigger) });
  await expect(row).toContainText('User added');
  await expect(row).toContainText(name);
  expect(errors).toEqual([]);
});

test('sign out all other sessions', async ({ browser }) => {
  const { create } = await adminAt(browser, '/settings/users');
  const email = `kb.sessions.${RUN}@example.com`;
  await create(email, 'analyst', 'Sam', 'Keys');
  const other = await (await browser.newContext()).newPage();
  await signInAt(other, '/profile', email, USER_PASSWORD);

  const page = await (await browser.newContext()).newPage();
  const errors = watchForErrors(page);
  await signInAt(page, '/profile/security', email, USER_PASSWORD);
  const opener = page.getByRole('button', { name: 'Sign out all other sessions' });
  await activate(page, opener);
  const dialog = page.getByRole('dialog', { name: 'Sign out all other sessions?' });
  await expect(dialog).toBeVisible();
  await activate(page, dialog.getByRole('button', { name: 'Sign out all other sessions' }));
  // The other browser, and the session signing up opened.
  await expect(page.getByRole('status').filter({ hasText: '2 other sessions were signed out.' })).toBeVisible();
  await other.goto('/profile');
  await expect(other).toHaveURL(/\/login/);
  expect(errors).toEqual([]);
});

test('forgot password, then a new one from the emailed link', async ({ browser }) => {
  // A mail server of this test's own, saved as the mailer (as 03-email does with the form).
  const sink = await MailSink.start(PORT + 26);
  try {
    const { page: adminPage } = await adminAt(browser, '/settings/users');
    const saved = await adminPage.context().request.post('/api/mail/save', {
      headers: { Origin: BASE_URL },
      form: {
        kind: 'smtp', host: '127.0.0.1', port: String(PORT + 26), security: 'none',
        sender_address: 'roster@example.com', sender_name: 'Roster', current_password: ADMIN.password,
      },
    });
    expect(saved.status(), await saved.text()).toBe(200);
    const email = `kb.forgot.${RUN}@example.com`;
    const { create } = await adminAt(browser, '/settings/users');
    await create(email, 'analyst', 'Fran', 'Keys');

    const page = await (await browser.newContext()).newPage();
    const errors = watchForErrors(page);
    await page.goto('/login');
    await hydrated(page);
    await activate(page, page.getByRole('link', { name: 'Forgot password?' }));
    await expect(page.getByRole('heading', { name: 'Forgot password' })).toBeVisible();
    await hydrated(page);
    await typeInto(page, page.getByLabel('Email'), email);
    await page.keyboard.press('Enter');
    await expect(page.getByText('If an account exists for that email', { exact: false })).toBeVisible();
    const mail = await sink.waitFor(email, /Reset your Roster password/);
    const link = mail.text.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+/)?.[0];
    expect(link, mail.text).toBeTruthy();

    await page.goto(new URL(link!).pathname);
    await hydrated(page);
    const fresh = 'keys all the way down';
    await typeInto(page, page.getByLabel('New password'), fresh);
    await typeInto(page, page.getByLabel('Confirm password'), fresh);
    await page.keyboard.press('Enter');
    await expect(page.getByText('Your password was reset. Sign in with your new password.')).toBeVisible();
    expect(errors).toEqual([]);
  } finally {
    sink.stop();
  }
});
