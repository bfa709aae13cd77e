import { test as base } from '@playwright/test';

export { expect } from '@playwright/test';
export type { Browser, Page } from '@playwright/test';

/**
 * Playwright's `test`, plus one automatic fixture: every browser context a test opened itself
 * (`browser.newContext()`) is closed when the test ends. The browser lives for the whole run, so
 * without this each signed-in page stays open, hydrated and polling, and later tests share the
 * two cores with dozens of them.
 */
export const test = base.extend<{ closeContextsOpenedByTheTest: void }>({
  closeContextsOpenedByTheTest: [
    async ({ browser }, use) => {
      const before = new Set(browser.contexts());
      await use();
      for (const context of browser.contexts()) {
        if (!before.has(context)) await context.close();
      }
    },
    { auto: true },
  ],
});
