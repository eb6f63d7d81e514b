import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** The system Chromium (Debian's `chromium` package); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = process.env.GALFRIDAY_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests save their screenshots (gitignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', 'artifacts', 'screenshots');

/**
 * Launches headless Chromium for browser tests. Fails (never skips) when the browser is missing:
 * a silently skipped UI test is a UI nobody tested.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM_PATH} (install it with \`apt-get install chromium\`, ` +
        'or point GALFRIDAY_CHROMIUM_PATH at a Chromium binary); CI installs it',
    );
  }
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export const screenshotPath = (name: string) => path.join(SCREENSHOT_DIR, `${name}.png`);
