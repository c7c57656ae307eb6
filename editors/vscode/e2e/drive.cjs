// Drives code-server in headless Chromium through the user's path: the
// rename code action (with its new-name prompt), then the palette's
// "Kimi: Convert Workspace to TypeScript", the Kimi Swarm view, and .ts files.
// Fails (exit 1) with a screenshot and the view's text when a step times out.
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const { URL, PROJECT, OUT } = process.env;
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const log = (message) => console.log(`e2e: ${message}`);
let shot = 0;

async function screenshot(page, name) {
  shot += 1;
  const file = path.join(OUT, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${path.basename(file)}`);
}

async function until(what, timeoutMs, check) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function quickOpen(page, text) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(text);
  return input;
}

/** Run finished: its row reads "<refactor> <id> <status> · ..."; returns the row. */
async function waitForRun(page, refactor, seenRows) {
  return until(`the ${refactor} run to finish in the Kimi Swarm view`, 240000, async () => {
    const rows = await viewRows(page);
    rows.forEach((row) => seenRows.add(row));
    return rows.find((row) => new RegExp(`^${refactor} \\S+ (ok|failed|partial|cancelled) · `).test(row));
  });
}

/**
 * The server's code action through the editor's Refactor menu: the extension
 * asks for the new name, then the rename lands in every file.
 */
async function renameThroughCodeAction(page, seenRows) {
  const input = await quickOpen(page, 'src/api.js');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'api.js' }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab', { hasText: 'api.js' }).waitFor({ timeout: 15000 });
  const action = page.locator('.action-widget .monaco-list-row', { hasText: "Kimi swarm: rename 'getUser'" }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await cursorAt(page, 8, 10); // on getUser: the rename action is offered for the symbol under the cursor
      // "Refactor..." is in the palette only once a code action provider is
      // registered, i.e. once the language server has started.
      await runFromPalette(page, 'Refactor...');
      await action.waitFor({ timeout: 10000 });
      break;
    } catch (err) {
      if (attempt === 6) {
        throw new Error(`the Refactor menu never offered the Kimi swarm rename code action (${err.message})`);
      }
      // The server may still have been starting: close the palette or menu and ask again.
      await page.keyboard.press('Escape');
      await page.waitForTimeout(2000);
    }
  }
  await screenshot(page, 'rename-code-action');
  await action.click();
  const prompt = page.locator('.quick-input-widget', { hasText: "Rename 'getUser' across the workspace" });
  await prompt.waitFor({ timeout: 15000 });
  if ((await input.inputValue()) !== 'getUser') {
    throw new Error(`the new-name prompt should offer the old name, not ${await input.inputValue()}`);
  }
  await input.fill('fetchUser');
  await screenshot(page, 'rename-prompt');
  await page.keyboard.press('Enter');
  log('asked for the new name through the code action; answered fetchUser');
  const row = await waitForRun(page, 'rename', seenRows);
  log(`rename finished: ${row}`);
  if (!/ ok · /.test(row)) {
    throw new Error(`the rename did not succeed: ${row}`);
  }
  await runFromPalette(page, 'File: Save All');
  await until('the renamed files on disk', 30000, () =>
    fs.readFileSync(path.join(PROJECT, 'index.js'), 'utf8').includes('fetchUser'),
  );
  await screenshot(page, 'renamed');
}

/** Put the cursor at line:col with "Go to Line", and wait until the status bar says it is there. */
async function cursorAt(page, line, col) {
  const status = page.locator('.statusbar-item', { hasText: `Ln ${line}, Col ${col}` });
  for (let attempt = 1; ; attempt++) {
    await quickOpen(page, `:${line}:${col}`);
    // Enter before the palette has switched to "Go to Line" would go nowhere
    await page.locator('.quick-input-widget', { hasText: `line ${line}` }).waitFor({ timeout: 15000 });
    await page.keyboard.press('Enter');
    try {
      await status.first().waitFor({ timeout: 5000 });
      return;
    } catch (err) {
      if (attempt === 3) {
        throw new Error(`the cursor never reached ${line}:${col} (${err.message})`);
      }
      await page.keyboard.press('Escape');
    }
  }
}

async function runFromPalette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 15000 });
  await page.keyboard.press('Enter');
  log(`ran "${title}" from the command palette`);
}

/** The Kimi Swarm view's rows, as "label description" lines. */
async function viewRows(page) {
  return page.locator('.pane', { hasText: 'Runs' }).locator('.monaco-list-row').evaluateAll((rows) =>
    rows.map((row) => {
      const text = (selector) => (row.querySelector(selector)?.textContent || '').trim();
      return `${text('.label-name')} ${text('.label-description')}`.trim();
    }),
  );
}

/** The newest run of a refactor and its group rows. */
function runSection(rows, refactor) {
  const start = rows.findIndex((row) => row.startsWith(`${refactor} `));
  if (start < 0) {
    return [];
  }
  const end = rows.findIndex((row, i) => i > start && !/^g\d+ /.test(row));
  return rows.slice(start, end < 0 ? undefined : end);
}

function sourceFiles() {
  const src = path.join(PROJECT, 'src');
  return fs.readdirSync(src).sort();
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => log(`page error: ${err.message}`));
  try {
    await page.goto(URL);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    const kimiIcon = page.locator('.activitybar [aria-label^="Kimi Swarm"]').first();
    await kimiIcon.waitFor({ timeout: 60000 });
    log('workbench loaded; the Kimi Swarm view is in the activity bar');
    await screenshot(page, 'workbench');

    const seen = new Set();
    await kimiIcon.click();
    await renameThroughCodeAction(page, seen);

    await runFromPalette(page, 'Kimi: Convert Workspace to TypeScript');
    let sawCancel = false;
    let sawRunning = false;
    let sawGroups = false;
    const rows = await until('the conversion to finish in the Kimi Swarm view', 240000, async () => {
      const current = runSection(await viewRows(page), 'js-to-ts');
      current.forEach((row) => seen.add(row));
      if (!sawCancel && (await page.locator('.notifications-toasts', { hasText: 'Kimi swarm: js-to-ts' }).locator('a.monaco-button', { hasText: 'Cancel' }).count())) {
        sawCancel = true;
        log('notification with Cancel is showing');
        await screenshot(page, 'notification');
      }
      const going = current.length > 0 && /^js-to-ts \S+ (planning|running|merging|verifying) /.test(current[0]);
      if (going && !sawRunning) {
        sawRunning = true;
        log(`run in progress: ${current[0]}`);
        await screenshot(page, 'running');
      }
      if (going && !sawGroups && current.some((row) => /^g\d+ .* (queued|running|ok) · /.test(row))) {
        sawGroups = true;
        log(`groups in progress: ${current.slice(1).join(' | ')}`);
        await screenshot(page, 'groups');
      }
      return current.some((row) => /js-to-ts .* (ok|failed|partial|cancelled) · /.test(row)) && current;
    });
    fs.writeFileSync(path.join(OUT, 'view-rows.txt'), [...seen].join('\n') + '\n');
    log(`final view: ${rows[0]}`);
    const statusBar = page.locator('.statusbar-item', { hasText: 'Kimi: js-to-ts ok' });
    await statusBar.first().waitFor({ timeout: 10000 });
    log('the status bar shows "Kimi: js-to-ts ok"');
    await screenshot(page, 'finished');
    const groups = rows.filter((row) => /^g\d+ /.test(row));
    if (!/ ok · /.test(rows[0]) || groups.length === 0 || !groups.every((row) => / ok · /.test(row))) {
      throw new Error(`the run did not succeed: ${rows[0]}`);
    }
    if (!sawRunning) {
      throw new Error('the view never showed the run while it was going');
    }
    if (!sawCancel) {
      throw new Error('no notification with a Cancel button appeared while the run went');
    }
    const files = await until('src/*.js to become .ts on disk', 30000, () => {
      const names = sourceFiles();
      return names.every((n) => !n.endsWith('.js')) && names.some((n) => n.endsWith('.ts')) && names;
    });
    log(`src/ now holds ${files.join(' ')}`);

    await runFromPalette(page, 'File: Save All');
    await until('src/money.ts to hold the typed code after Save All', 30000, () =>
      fs.readFileSync(path.join(PROJECT, 'src', 'money.ts'), 'utf8').includes('cents: number'),
    );
    // Save All writes the editors one by one: api.ts may land a moment after money.ts
    await until('src/api.ts to hold the renamed, typed fetchUser after Save All', 30000, () =>
      fs.readFileSync(path.join(PROJECT, 'src', 'api.ts'), 'utf8').includes('function fetchUser(id: number)'),
    );
    await page.locator('.pane', { hasText: 'Runs' }).locator('.monaco-list-row .label-name', { hasText: /^g1 / }).first().click();
    // The group's diff (sent in the run's final status) opens as an untitled diff document.
    const tab = page.locator('.tabs-container .tab', { hasText: /^rename from src\// }).first();
    await tab.waitFor({ timeout: 15000 });
    await until("the group's diff to show a renamed file", 15000, async () =>
      /\+\+\+[\s\u00a0]b\/src\//.test(await page.locator('.editor-container .view-lines').first().textContent()),
    );
    log(`clicking group g1 opened its diff: ${(await tab.textContent()).trim()}`);
    await screenshot(page, 'group-opened');
    log('PASS: converted to TypeScript in VS Code');
  } catch (err) {
    await screenshot(page, 'failure').catch(() => undefined);
    fs.writeFileSync(path.join(OUT, 'failure-view-rows.txt'), (await viewRows(page).catch(() => [])).join('\n') + '\n');
    throw err;
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(`e2e: FAIL: ${err.message}`);
  process.exit(1);
});
