// The browser-level checks, with playwright-core driving Debian's Chromium against code-server: what a
// user sees in the DOM (inlay hints, code lens, status bar item, cell status items, the panel's table and
// charts), the Apply button editing the file, layer names that are markup rendered as text with no
// script run, and the screenshots the README shows.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';

/** One check's outcome. */
export interface CheckOutcome {
  title: string;
  state: 'passed' | 'failed';
  durationMs: number;
  error?: string;
}

/** Chromium flags that work headless in a container (see the real-VS-Code recipe). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Launches Chromium with a fresh profile folder. */
export async function launchBrowser(executablePath: string, profileDir: string): Promise<BrowserContext> {
  mkdirSync(profileDir, { recursive: true });
  return chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 960 },
    deviceScaleFactor: 1,
  });
}

const XSS_NAMES = ['<img src=x onerror=alert(1)>', '</script><script>alert(2)</script>'];

/** Runs every browser check in order (later ones build on earlier ones); stops at the first failure. */
export async function browserChecks(
  context: BrowserContext,
  server: CodeServer,
  workspace: string,
  screenshots: string,
): Promise<CheckOutcome[]> {
  mkdirSync(screenshots, { recursive: true });
  const page = context.pages()[0] ?? (await context.newPage());
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${message.location().url}: ${message.text()}`.slice(0, 500));
  });
  const outcomes: CheckOutcome[] = [];
  const check = async (title: string, body: () => Promise<void>): Promise<boolean> => {
    const started = Date.now();
    try {
      await body();
      outcomes.push({ title, state: 'passed', durationMs: Date.now() - started });
      process.stdout.write(`e2e browser: passed ${title}\n`);
      return true;
    } catch (e) {
      const console = consoleErrors.length ? `\nbrowser console errors:\n${consoleErrors.slice(-15).join('\n')}` : '';
      outcomes.push({
        title,
        state: 'failed',
        durationMs: Date.now() - started,
        error: `${(e as Error).stack ?? e}${console}`,
      });
      process.stdout.write(`e2e browser: FAILED ${title}: ${(e as Error).message}\n`);
      await page.screenshot({ path: join(screenshots, `failed-${outcomes.length}.png`) }).catch(() => undefined);
      return false;
    }
  };

  const steps: [string, () => Promise<void>][] = [
    [
      'the workbench loads the workspace',
      async () => {
        await page.goto(server.url(workspace), { waitUntil: 'domcontentloaded' });
        await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
        await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ timeout: 60_000 });
      },
    ],
    [
      'a model file shows inlay hints, the code lens and the status bar item',
      async () => {
        await openFile(page, 'model.py');
        await waitForText(page, '.view-lines', /FLOPs\s·\s[\d.]+\s[mµ]J\s·\s\d+%/, 90_000);
        await waitForText(
          page,
          '.codelens-decoration',
          /SmallNet\s·\s.*MACs\s·\s.*params\s·\s.*on\snvidia-t4\s\(fp32\)/,
        );
        await waitForText(page, '.codelens-decoration', /Profile\slocally/);
        await waitForText(page, '[id="wattlens.wattlens.status"]', /WattLens:\snvidia-t4\s·\sfp32/);
        await page.mouse.move(0, 0);
        await page.screenshot({ path: join(screenshots, 'hints.png') });
      },
    ],
    [
      'a notebook shows energy and MACs in its cell status bar',
      async () => {
        await openFile(page, 'notebook.ipynb');
        await page.locator('.notebook-editor').first().waitFor({ timeout: 60_000 });
        await waitForText(
          page,
          '.notebook-editor .cell-statusbar-container',
          /[\d.]+\s[mµ]?J\s·\s[\d.]+\s[kMG]?MACs/,
          90_000,
        );
      },
    ],
    [
      'the notebook toolbar button opens the profiling panel with its table and charts',
      async () => {
        const button = page
          .locator('.notebook-toolbar-container .action-item a[aria-label*="Open Profiling Panel"]')
          .first();
        if ((await button.count()) > 0) await button.click();
        else await runCommand(page, 'WattLens: Open Profiling Panel');
        const frame = await panelFrame(page, 'notebook.ipynb');
        await frame.locator('.grid-body .grid-row[data-index]').first().waitFor({ timeout: 60_000 });
        await frame.locator('svg.roofline circle.point').first().waitFor();
        await frame.locator('.energy-chart .bar').first().waitFor();
        await waitForText(frame, '.cells-table', /Cell\s3\s+14\s/);
        await waitForText(frame, 'h1', /Net/);
      },
    ],
    [
      'a cell status item opens the panel at its cell; the roofline shows a point on hover',
      async () => {
        await page.locator('.notebook-editor .cell-status-item', { hasText: /MACs/ }).first().click();
        const frame = await panelFrame(page, 'notebook.ipynb');
        await waitForText(frame, '.layers-head', /Cell\s3\s×/);
        // The screenshot: the side bar closed so the panel has room, the panel at its top, a point hovered.
        await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
        await page.locator('.part.sidebar').waitFor({ state: 'hidden' });
        await frame.evaluate('window.scrollTo(0, 0)');
        await page.waitForTimeout(300);
        const point = await visiblePoint(page, frame);
        await page.mouse.move(point.x, point.y);
        await waitForText(frame, '.tip.shown', /FLOP\/s/);
        await page.screenshot({ path: join(screenshots, 'panel-notebook.png') });
        await runCommand(page, 'View: Toggle Primary Side Bar Visibility');
      },
    ],
    [
      'keyboard: the layer table moves with the arrows and Enter jumps to the source',
      async () => {
        const frame = await panelFrame(page, 'notebook.ipynb');
        await frame.locator('.chip').click();
        await frame.locator('.chip').waitFor({ state: 'detached' });
        const body = frame.locator('.grid-body');
        const active = async (key: string): Promise<string | null> => {
          await body.focus();
          await page.keyboard.press(key);
          await page.waitForTimeout(100);
          return body.getAttribute('aria-activedescendant');
        };
        const last = await active('End');
        const first = await active('Home');
        const next = await active('ArrowDown');
        if (last !== 'layer-row-13' || first !== 'layer-row-0' || next !== 'layer-row-1')
          throw new Error(`the active row did not follow the keys: End ${last}, Home ${first}, ArrowDown ${next}`);
        await page.keyboard.press('Enter');
        await page.locator('.notebook-editor').first().waitFor();
      },
    ],
    [
      'Apply in the panel runs the code action and the edit appears in the editor',
      async () => {
        await openFile(page, 'model.py');
        await waitForText(page, '.view-lines', /FLOPs/, 60_000);
        await runCommand(page, 'WattLens: Open Profiling Panel');
        const frame = await panelFrame(page, 'model.py');
        const item = frame.locator('.advice-action', { hasText: /Set bias=False/ }).first();
        await item.waitFor({ timeout: 60_000 });
        await item.locator('button.apply').click();
        await waitForText(frame, '.apply-status', /Applied:\sSet\sbias=False/);
        await waitForText(page, '.view-lines', /nn\.Conv2d\(3,\s32,\s3,\spadding=1,\sbias=False\)/);
      },
    ],
    [
      'the compare view puts the model on two setups side by side with ratios',
      async () => {
        const frame = await panelFrame(page, 'model.py');
        await frame.locator('.compare button', { hasText: 'Compare' }).click();
        await waitForText(
          frame,
          '.compare-table',
          /A: nvidia-t4 · fp32[\s\S]*B: nvidia-t4 · fp16[\s\S]*Energy[\s\S]*×/,
        );
      },
    ],
    [
      'layer names that are markup render as text and run no script',
      async () => {
        await openFile(page, 'xss_model.py');
        await waitForText(page, '.view-lines', /FLOPs/, 60_000);
        await runCommand(page, 'WattLens: Open Profiling Panel');
        const frame = await panelFrame(page, 'xss_model.py');
        await frame.locator('.grid-body .grid-row[data-index]').first().waitFor({ timeout: 60_000 });
        const rows = await frame.locator('.grid-body').innerText();
        for (const name of XSS_NAMES)
          if (!rows.includes(name)) throw new Error(`"${name}" is not shown as text in: ${rows}`);
        // Evaluated in the webview (as text: this file is compiled without the DOM's types). VS Code adds its
        // own script to the page (the host messaging that defines acquireVsCodeApi); none may come from the names.
        const dom = (await frame.evaluate(`({
          images: document.querySelectorAll('img').length,
          scripts: [...document.scripts].map((s) => s.src || s.textContent.slice(0, 80)),
          fromNames: [...document.scripts].filter((s) => /alert/.test(s.textContent || '')).length,
        })`)) as { images: number; scripts: string[]; fromNames: number };
        if (dom.images !== 0 || dom.fromNames !== 0 || !dom.scripts.some((src) => src.endsWith('/dist/webview.js')))
          throw new Error(`markup was injected: ${JSON.stringify(dom)}`);
        // The detector works: parsing the same names as HTML (inert, in a template) does make elements.
        const parsed = (await frame.evaluate(`(() => {
          const template = document.createElement('template');
          template.innerHTML = ${JSON.stringify(XSS_NAMES.join(''))};
          return template.content.querySelectorAll('img, script').length;
        })()`)) as number;
        if (parsed < 2) throw new Error('the control parse found no elements: the check would not catch an injection');
        await page.waitForTimeout(500);
        if (dialogs.length) throw new Error(`a script ran: dialogs ${JSON.stringify(dialogs)}`);
      },
    ],
  ];
  for (const [title, body] of steps) if (!(await check(title, body))) break;
  return outcomes;
}

/** Opens a workspace file from the Explorer (exact name), and waits for its tab. */
async function openFile(page: Page, name: string): Promise<void> {
  const row = page.locator('.explorer-folders-view').getByRole('treeitem', { name, exact: true });
  await row.waitFor({ timeout: 30_000 });
  await row.click();
  await page.locator(`.tab.active[data-resource-name="${name}"]`).first().waitFor({ timeout: 60_000 });
}

/** The page coordinates of a roofline point inside the visible part of the panel (the costliest one when several are). */
async function visiblePoint(page: Page, frame: Frame): Promise<{ x: number; y: number }> {
  const frameBox = await (await frame.frameElement()).boundingBox();
  const viewport = page.viewportSize()!;
  for (const point of await frame.locator('svg.roofline circle.point').all()) {
    const box = await point.boundingBox();
    if (!box || !frameBox) continue;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    if (y > frameBox.y + 40 && y < Math.min(viewport.height, frameBox.y + frameBox.height) - 40) return { x, y };
  }
  throw new Error('no roofline point is visible in the panel');
}

/** Runs a palette command by its title. */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

/** The frame holding the WattLens panel for a document (the webview's inner frame). */
async function panelFrame(page: Page, document: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      try {
        if ((await frame.title()) === `WattLens: ${document}`) return frame;
      } catch {
        // A frame that went away while we looked.
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(
    `no WattLens panel frame for ${document}; frames: ${page
      .frames()
      .map((f) => f.url())
      .join(', ')}`,
  );
}

/** Waits until the text of the first element matching `selector` matches `pattern`. */
async function waitForText(
  scope: Page | Frame,
  selector: string,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const texts = await scope
      .locator(selector)
      .allInnerTexts()
      .catch(() => [] as string[]);
    last = texts.join('\n');
    if (pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${pattern} in ${selector}; last text: ${last.slice(0, 600)}`);
}
