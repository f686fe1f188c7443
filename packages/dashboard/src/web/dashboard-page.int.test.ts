// The web UI in real Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser is ever downloaded; never skipped: a missing
// Chromium fails the test, as scripts/test installs it) against the BFF over a real
// SQLite store: nodes and jobs render, a job's per-node action flow shows on
// click, Confirm writes the annotation, and a status write to the store
// reaches the open page without a reload.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_ANNOTATION, type ResourceOf } from '@kedge/api';
import { createLogger } from '@kedge/runtime';
import { createObserved, mutate, openSqliteStore, type ResourceStore } from '@kedge/store';
import { requireChromium, tempDir, waitFor, type TempDir } from '@kedge/testing';
import { startDashboard, type Dashboard } from '../index.ts';
import { createUpgradeJob, makeNode, waitingEntries } from '../../test/fixtures.ts';

let dir: TempDir;
let store: ResourceStore;
let dashboard: Dashboard;
let browser: BrowserContext | undefined;
let page: Page;

beforeAll(async () => {
  const executablePath = requireChromium();
  dir = await tempDir('kedge-dashboard-page-');
  store = openSqliteStore({ path: join(dir.path, 'kedge.db'), pollIntervalMs: 10 });
  await createObserved(store, 'Node', makeNode('edge-1', true));
  await createObserved(store, 'Node', makeNode('edge-2', false, 'cloudcore-b'));
  await createUpgradeJob(store, 'upgrade-fleet', waitingEntries());
  dashboard = await startDashboard({
    store,
    log: createLogger({ name: 'test', level: 'silent' }),
    coalesceMs: 50,
  });
  // A fresh profile per run (launchPersistentContext is how playwright takes --user-data-dir).
  browser = await chromium.launchPersistentContext(join(dir.path, 'chromium-profile'), {
    executablePath,
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
  page = browser.pages()[0] ?? (await browser.newPage());
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await store?.close();
  await dir?.cleanup();
});

describe('dashboard page in Chromium', () => {
  it('shows nodes, a job, its per-node action flow, confirms, and follows store writes live', async () => {
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(dashboard.url);

    const edge1 = page.locator('#nodes tr[data-node="edge-1"]');
    await edge1.getByText('Ready', { exact: true }).waitFor();
    await expect(edge1.textContent()).resolves.toContain('cloudcore-a');
    const edge2 = page.locator('#nodes tr[data-node="edge-2"]');
    await expect(edge2.textContent()).resolves.toMatch(/NotReady\s*EdgeDisconnected: no heartbeat for 40s/);
    await page.locator('#live').getByText('live').waitFor();

    await page.getByRole('button', { name: 'upgrade-fleet' }).click();
    await page.getByRole('heading', { name: 'NodeUpgradeJob upgrade-fleet' }).waitFor();
    const card1 = page.locator('article[data-node="edge-1"]');
    await card1.locator('ol.timeline li[data-action="Check"]').waitFor();
    await expect(card1.textContent()).resolves.toContain('waiting for confirmation since');

    await page.getByRole('button', { name: 'Confirm upgrade of edge-1' }).click();
    await card1.getByText('confirmed').waitFor();
    const job = await store.get('NodeUpgradeJob', 'upgrade-fleet');
    expect(job?.metadata.annotations?.[CONFIRM_ANNOTATION]).toBe('edge-1');

    // Another process (here: the test) records the next actions; the open page follows.
    await mutate(
      store,
      'NodeUpgradeJob',
      'upgrade-fleet',
      (j: ResourceOf<'NodeUpgradeJob'>) => {
        const entry = j.status!.nodeStatus![0]!;
        entry.actionFlow!.push(
          { action: 'WaitingConfirmation', status: 'True', time: '2026-01-02T03:06:00Z' },
          { action: 'Backup', status: 'True', time: '2026-01-02T03:06:05Z' },
          {
            action: 'Upgrade',
            status: 'False',
            reason: 'v1.22.0 exited 3 times',
            time: '2026-01-02T03:07:00Z',
          },
        );
        delete entry.reason;
        return j;
      },
      { status: true },
    );
    await card1.locator('li[data-action="Upgrade"]').getByText('v1.22.0 exited 3 times').waitFor();
    await expect(card1.locator('ol.timeline li').count()).resolves.toBe(4);

    await mutate(
      store,
      'Node',
      'edge-2',
      (n) => {
        n.status!.conditions![0]!.status = 'True';
        return n;
      },
      { status: true },
    );
    await edge2.getByText('Ready', { exact: true }).waitFor();

    // KEDGE_DASHBOARD_SCREENSHOT=<file> keeps the screenshot for a look.
    const shot = process.env['KEDGE_DASHBOARD_SCREENSHOT'] ?? join(dir.path, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(1000);
    expect(consoleErrors).toEqual([]);
    await waitFor(() => page.url().endsWith('#job/NodeUpgradeJob%2Fupgrade-fleet'), {
      what: 'the job in the URL',
    });
  });
});
