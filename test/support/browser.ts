import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

/**
 * A real browser for end-to-end tests: Debian's `chromium` package (installed by .ci/run), driven
 * by playwright-core, which never downloads a browser of its own. Each launch gets a fresh profile.
 */

export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface RunningBrowser {
  /** A browser context on a fresh, private profile. */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: Pick<BrowserContextOptions, 'javaScriptEnabled'> = {}): Promise<RunningBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium package (apt-get install chromium), as .ci/run does.`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'optout-hub-chromium-'));
  // Playwright takes the profile directory itself (it refuses --user-data-dir among the args).
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AccessibilityViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/**
 * The serious and critical WCAG violations axe-core finds on the page as it is now: what a test
 * expects to be empty. axe runs inside the page, injected from the installed package.
 */
export async function seriousViolations(page: Page): Promise<AccessibilityViolation[]> {
  // Evaluated over the DevTools protocol, so the page's Content-Security-Policy (no inline scripts) still holds for the page itself.
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? 'unknown',
      help: violation.help,
      nodes: violation.nodes.map((node) => node.html),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
