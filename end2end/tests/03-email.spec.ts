import { test, expect } from './fixtures';
import { ADMIN, createUser, hydrated, signInAt, USER_PASSWORD, watchForErrors } from './helpers';
import { inviteLink, MailSink } from './mail-sink';
import { PORT } from '../playwright.config';

test.describe.configure({ mode: 'serial' });

let sink: MailSink;
test.beforeAll(async () => {
  sink = await MailSink.start(PORT + 25);
});
test.afterAll(() => sink.stop());

test('email configuration: SMTP to the test mail server, a test email, then save', async ({ page }) => {
  const errors = watchForErrors(page);
  await signInAt(page, '/settings/email');
  await expect(page.getByRole('heading', { name: 'Email Configuration' })).toBeVisible();
  await expect(page.getByText('No email service is configured')).toBeVisible();

  // Google SMTP is the first choice, prefilled with Gmail's server.
  await expect(page.getByLabel('Host')).toHaveValue('smtp.gmail.com');
  await expect(page.getByLabel('Port')).toHaveValue('465');
  await expect(page.getByLabel('App password')).toBeVisible();
  await expect(page.getByText('Google asks for an App Password')).toBeVisible();

  await page.getByLabel('Mailer type').selectOption({ label: 'SMTP' });
  await page.getByLabel('Host').fill('127.0.0.1');
  await page.getByLabel('Port').fill('1');
  await page.getByLabel('Security').selectOption({ label: 'None (this machine only)' });
  await page.getByLabel('Sender address').fill('roster@example.com');

  // A wrong port: the server's own error comes back.
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'The test email was not sent' })).toContainText(
    'Connection refused',
  );

  await page.getByLabel('Port').fill(String(sink.port));
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(page.getByText(`Test email sent to ${ADMIN.email}.`)).toBeVisible();
  const testMail = await sink.waitFor(ADMIN.email, /Roster test email/);
  expect(testMail.text).toContain('Email delivery works');

  // Saving without the admin's own password is refused; with it, saved.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Enter your own password to confirm this change.')).toBeVisible();
  await page.getByLabel('Your password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Email configuration saved.')).toBeVisible();
  await expect(page.getByText('Roster sends email through SMTP as roster@example.com.')).toBeVisible();

  await page.reload();
  await expect(page.getByLabel('Mailer type')).toHaveValue('smtp');
  await expect(page.getByLabel('Host')).toHaveValue('127.0.0.1');
  await expect(page.getByLabel('Port')).toHaveValue(String(sink.port));
  expect(errors).toEqual([]);
});

test('add new user by email: the message arrives, its link signs them up, they appear in the list', async ({
  browser,
  page,
}) => {
  const errors = watchForErrors(page);
  await signInAt(page, '/settings/users');
  await expect(page.getByRole('heading', { name: 'User Management' })).toBeVisible();

  await page.getByRole('button', { name: 'Add new user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add new user' });
  await dialog.getByLabel('First name').fill('Linus');
  await dialog.getByLabel('Last name').fill('Torvalds');
  await dialog.getByLabel('Email', { exact: true }).fill('linus@example.com');
  await dialog.getByLabel('Role').selectOption({ label: 'Analyst' });
  await dialog.getByRole('button', { name: 'Add user and send invite' }).click();
  // The dialog closes; a toast says where the invitation went.
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status')).toContainText('Invitation email queued for linus@example.com');

  const invitation = await sink.waitFor('linus@example.com', /invited you to Roster/);
  expect(invitation.subject).toBe(`${ADMIN.firstName} ${ADMIN.lastName} invited you to Roster`);
  expect(invitation.text).toContain('Analyst');
  expect(invitation.html).toContain('Create your account');
  const link = inviteLink(invitation);

  // The Pending tab shows the email went out.
  await page.getByRole('link', { name: /^Pending \(\d+\)$/ }).click();
  const row = page.getByRole('row', { name: /linus@example\.com/ });
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText('Sent', { timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  // The invitee follows the emailed link in a browser of their own.
  const invitee = await (await browser.newContext()).newPage();
  const inviteeErrors = watchForErrors(invitee);
  await invitee.goto(link);
  await expect(invitee.getByRole('heading', { name: 'Join Roster' })).toBeVisible();
  await expect(invitee.getByLabel('First name')).toHaveValue('Linus');
  await expect(invitee.getByLabel('Last name')).toHaveValue('Torvalds');
  await hydrated(invitee);
  await invitee.getByLabel('Password', { exact: true }).fill('penguins all the way down');
  await invitee.getByLabel('Confirm password').fill('penguins all the way down');
  await invitee.getByRole('button', { name: 'Create my account' }).click();
  await expect(invitee.getByRole('heading', { name: 'Welcome, Linus' })).toBeVisible();
  const ready = await sink.waitFor('linus@example.com', /account is ready/);
  expect(ready.text).toContain('linus@example.com');

  // A used link says so.
  const again = await (await browser.newContext()).newPage();
  await again.goto(link);
  await expect(again.getByText('This invitation link has already been used.')).toBeVisible();

  // The new users are in the Active list; a search narrows it and survives a reload.
  await page.goto('/settings/users');
  await hydrated(page);
  const users = page.locator('table.users-table');
  await expect(users.getByRole('row', { name: /linus@example\.com/ })).toContainText('Linus Torvalds');
  await expect(users.getByRole('row', { name: /grace@example\.com/ })).toContainText('Grace Hopper');
  await page.getByLabel('Search users').fill('torv');
  await expect(page).toHaveURL(/q=torv/);
  await expect(users.getByRole('row')).toHaveCount(2); // header + Linus
  await expect(users.getByRole('row', { name: /linus@example\.com/ })).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Search users')).toHaveValue('torv');
  await expect(page.locator('table.users-table').getByRole('row')).toHaveCount(2);

  expect(errors).toEqual([]);
  expect(inviteeErrors).toEqual([]);
});

test('an Administrator sees the saved email configuration, never its secret, and can only test it', async ({
  browser,
  page,
}) => {
  await signInAt(page, '/settings/users');
  const anonymous = (await browser.newContext()).request;
  await createUser(page.context().request, anonymous, {
    email: 'ada.admin@example.com',
    role: 'admin',
    firstName: 'Adele',
    lastName: 'Goldberg',
  });

  const adele = await (await browser.newContext()).newPage();
  const errors = watchForErrors(adele);
  await signInAt(adele, '/settings/email', 'ada.admin@example.com', USER_PASSWORD);
  await expect(adele.getByRole('heading', { name: 'Email Configuration' })).toBeVisible();
  await expect(adele.getByText('Roster sends email through SMTP as roster@example.com.')).toBeVisible();
  await expect(adele.getByText("Only a Global Administrator can change where Roster's mail goes.")).toBeVisible();
  // Nothing to edit, no Save: the saved values are shown as text.
  await expect(adele.getByLabel('Host')).toHaveCount(0);
  await expect(adele.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await adele.getByRole('button', { name: 'Send test email' }).click();
  await expect(adele.getByText('Test email sent to ada.admin@example.com.')).toBeVisible();
  const testMail = await sink.waitFor('ada.admin@example.com', /Roster test email/);
  expect(testMail.text).toContain('Email delivery works');
  expect(errors).toEqual([]);
});
