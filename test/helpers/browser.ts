import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The system's Chromium (Debian's `chromium`); throws, saying how to get it, when missing. */
export function chromiumPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  });
  const file = found.stdout.trim().split('\n')[0] ?? '';
  if (found.status !== 0 || file === '') {
    throw new Error(
      'these tests open the page in the system Chromium, which is missing: apt-get install chromium',
    );
  }
  return file;
}

export interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Every request the page made other than for the file itself (all blocked). */
  requests: string[];
}

/** A headless Chromium that opens local files with all network blocked. */
export class TestBrowser {
  readonly #browser: Browser;

  private constructor(browser: Browser) {
    this.#browser = browser;
  }

  static async launch(): Promise<TestBrowser> {
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    return new TestBrowser(browser);
  }

  /** Opens `file` in a new page of `width` CSS pixels and waits for its load event. */
  async open(file: string, width = 1200): Promise<OpenedPage> {
    const url = pathToFileURL(file).href;
    const page = await this.#browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    page.on('requestfailed', (r) => {
      if (r.url() !== url) requests.push(`failed: ${r.url()}`);
    });
    await page.route('**', (route) => (route.request().url() === url ? route.continue() : route.abort()));
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    return { page, errors, requests };
  }

  close(): Promise<void> {
    return this.#browser.close();
  }
}
