import { test, expect } from './fixtures';
import { createUser, hydrated, signIn, signInAt, USER_PASSWORD, watchForErrors } from './helpers';
import { MailSink } from './mail-sink';
import { PORT } from '../playwright.config';

test.describe.configure({ mode: 'serial' });

// The email configuration saved by 03-email points at this port.
let sink: MailSink;
test.beforeAll(async () => {
  sink = await MailSink.start(PORT + 25);
});
test.afterAll(() => sink.stop());

const KATHERINE = { email: 'katherine@example.com', role: 'analyst', firstName: 'Katherine', lastName: 'Johnson' };
const NEW_PASSWORD = 'orbital mechanics by hand';
const SAME_ANSWER = 'If an account exists for that email, we have sent a link to reset its password. It works for 30 minutes.';

test('forgot password: the same answer for anyone, a link by email, a new password, the link works once', async ({
  browser,
}) => {
  const admin = await browser.newContext();
  await signInAt(await admin.newPage(), '/settings/users');
  await createUser(admin.request, (await browser.newContext()).request, KATHERINE);

  const page = await (await browser.newContext()).newPage();
  const errors = watchForErrors(page);
  await page.goto('/login');
  await hydrated(page);
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page.getByRole('heading', { name: 'Forgot password' })).toBeVisible();
  await hydrated(page);
  // An unknown email gets the same words as a real one.
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText(SAME_ANSWER)).toBeVisible();

  await page.goto('/forgot-password');
  await hydrated(page);
  await page.getByLabel('Email').fill(KATHERINE.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText(SAME_ANSWER)).toBeVisible();
  const mail = await sink.waitFor(KATHERINE.email, /Reset your Roster password/);
  const link = mail.text.match(/https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+/)?.[0];
  expect(link, mail.text).toBeTruthy();

  await page.goto(new URL(link!).pathname);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await hydrated(page);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByLabel('Confirm password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Reset password' }).click();
  await expect(page.getByText('Your password was reset. Sign in with your new password.')).toBeVisible();
  const changed = await sink.waitFor(KATHERINE.email, /Your Roster password was changed/);
  expect(changed.text).toContain('When:');

  // The link is used up.
  await page.goto(new URL(link!).pathname);
  await expect(page.getByText('This password reset link has expired or was already used.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();

  // The old password no longer works; the new one does.
  await page.goto('/login');
  await hydrated(page);
  await signIn(page, KATHERINE.email, USER_PASSWORD);
  await expect(page.getByText('Wrong email or password.', { exact: false })).toBeVisible();
  await signInAt(page, '/profile', KATHERINE.email, NEW_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  expect(errors).toEqual([]);
});
