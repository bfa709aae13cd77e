// First-load bytes per page, by type, as transferred (compressed), and the time to
// `<body data-hydrated>` in Chromium: each page in a fresh browser context (empty cache).
// Run by scripts/size.sh, which starts a release server and sets ROSTER_SIZE_URL.
import { chromium } from '@playwright/test';

const base = process.env.ROSTER_SIZE_URL;
const admin = { email: 'size-admin@example.com', password: 'size-Roster-pass-2026' };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

function kindOf(response) {
  const type = (response.headers()['content-type'] ?? '').split(';')[0];
  if (type === 'text/html') return 'html';
  if (type.includes('javascript')) return 'js';
  if (type === 'application/wasm') return 'wasm';
  if (type === 'text/css') return 'css';
  return 'other';
}

/** Loads `path` in a fresh context (signed in with `cookies`, if any) and measures it. */
async function measure(path, cookies = []) {
  const context = await browser.newContext({ baseURL: base });
  await context.addCookies(cookies);
  const page = await context.newPage();
  const responses = [];
  page.on('requestfinished', (request) => responses.push(request));
  await page.goto(path, { waitUntil: 'commit' });
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
  const hydratedMs = await page.evaluate(() => performance.now());
  await page.waitForLoadState('networkidle');
  const bytes = { html: 0, js: 0, wasm: 0, css: 0, other: 0 };
  for (const request of responses) {
    const response = await request.response();
    if (!response) continue;
    const sizes = await request.sizes();
    bytes[kindOf(response)] += sizes.responseBodySize + sizes.responseHeadersSize;
  }
  const finalPath = new URL(page.url()).pathname;
  await context.close();
  return { path, finalPath, bytes, hydratedMs };
}

const rows = [];
rows.push({ label: 'setup', ...(await measure('/setup')) });
// The first administrator, through the real API (as bench.sh does).
const setup = await fetch(`${base}/api/auth/setup`, {
  method: 'POST',
  redirect: 'manual',
  headers: { Origin: base, 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    first_name: 'Size', last_name: 'Admin', email: admin.email,
    password: admin.password, password_confirm: admin.password, console_url: base,
  }),
});
const session = (setup.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('roster_session='));
if (!session) throw new Error(`setup answered ${setup.status} without a session`);
const cookies = [{ name: 'roster_session', value: session.split('=')[1], url: base }];
const invite = await fetch(`${base}/api/invites/create`, {
  method: 'POST',
  headers: { Origin: base, Cookie: session, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ email: 'size-invitee@example.com', role: 'analyst', lifetime: '24h' }),
});
if (invite.status !== 200) throw new Error(`invite answered ${invite.status}: ${await invite.text()}`);
const signupPath = new URL((await invite.json()).url).pathname;

rows.push({ label: 'sign-in', ...(await measure('/login')) });
rows.push({ label: 'signup', ...(await measure(signupPath)) });
for (const [label, path] of [
  ['overview', '/'],
  ['users', '/settings/users'],
  ['groups', '/settings/groups'],
  ['email', '/settings/email'],
  ['general', '/settings/general'],
  ['activity log', '/settings/activity'],
  ['integrations', '/settings/integrations'],
  ['triggers', '/settings/triggers'],
  ['profile', '/profile'],
  ['security', '/profile/security'],
]) {
  rows.push({ label, ...(await measure(path, cookies)) });
}
await browser.close();

const kb = (n) => (n / 1024).toFixed(1);
console.log('| page | HTML KB | JS KB | WASM KB | CSS KB | total KB | to data-hydrated |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const b = r.bytes;
  const total = b.html + b.js + b.wasm + b.css + b.other;
  console.log(`| ${r.label} (${r.finalPath}) | ${kb(b.html)} | ${kb(b.js)} | ${kb(b.wasm)} | ${kb(b.css)} | ${kb(total)} | ${Math.round(r.hydratedMs)} ms |`);
}
const signedOut = rows.filter((r) => ['setup', 'sign-in', 'signup'].includes(r.label));
const total = (r) => Object.values(r.bytes).reduce((a, b) => a + b, 0);
console.log(`\nsign-in, setup and signup pages (each first load): largest ${kb(Math.max(...signedOut.map(total)))} KB (budget 150 KB)`);
console.log(`console pages: largest first load ${kb(Math.max(...rows.filter((r) => !signedOut.includes(r)).map(total)))} KB (budget 250 KB)`);
