import { test, expect } from './fixtures';
import { createUser, hydrated, signIn, signInAt, USER_PASSWORD, watchForErrors } from './helpers';

// Someone guesses a user's password in a browser until sign-in is refused, in the words of a
// wrong password; the admin sees the account Locked in the users list and unlocks it; the
// user then signs in from that same browser.
test('a guessed-at account shows Locked, and Unlock lets its owner in again', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  const errors = watchForErrors(admin);
  await signInAt(admin, '/settings/users');
  const anonymous = (await browser.newContext()).request;
  await createUser(adminContext.request, anonymous, {
    email: 'barbara@example.com',
    role: 'analyst',
    firstName: 'Barbara',
    lastName: 'Liskov',
  });

  const guesser = await (await browser.newContext()).newPage();
  await guesser.goto('/login');
  await hydrated(guesser);
  const refusal = guesser.getByText('Wrong email or password.');
  for (let i = 0; i < 11; i++) {
    await signIn(guesser, 'barbara@example.com', `wrong guess number ${i}`);
    await expect(refusal).toBeVisible();
  }
  // The right password is refused too, with the same words: the guesser learns nothing.
  await signIn(guesser, 'barbara@example.com', USER_PASSWORD);
  await expect(refusal).toBeVisible();
  await expect(guesser).toHaveURL(/\/login/);

  await admin.goto('/settings/users?q=liskov');
  await hydrated(admin);
  const row = admin.locator('table.users-table').getByRole('row', { name: /barbara@example\.com/ });
  await expect(row.getByText('Locked', { exact: true })).toBeVisible();
  await admin.getByLabel('Actions for barbara@example.com').click();
  await admin.getByRole('button', { name: 'Unlock' }).click();
  await expect(row.getByText('Locked', { exact: true })).toHaveCount(0);

  await signIn(guesser, 'barbara@example.com', USER_PASSWORD);
  await guesser.waitForURL((url) => !url.pathname.startsWith('/login'));
  await hydrated(guesser);
  expect(errors).toEqual([]);
});
