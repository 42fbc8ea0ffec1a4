/**
 * The dashboard at GET /, in a real browser (Debian's chromium, driven by playwright-core): four real nodes, one
 * equivocating; the page shows the head advancing, one marker per node that regions_list knows in its cell, and
 * the equivocator turning suspended. The screenshot goes to $ARTIFACT_DIR (default: the OS temp directory).
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { oneNodePerCell, useCluster, waitFor } from './support/local-cluster.js';

const SINK = '0x00000000000000000000000000000000000000cd';
const BAD = 3;
const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const executablePath = CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));

interface Region {
  cell: number;
  nodes: { address: string }[];
}

describe('e2e: the dashboard in a real browser', function () {
  this.timeout(300_000);
  before(function () {
    if (executablePath === undefined) {
      console.log('      skipped: no chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
      this.skip();
    }
  });

  const cluster = useCluster(4, {}, oneNodePerCell, (i) => (i === BAD ? ['--behavior', 'equivocate'] : []));
  let browser: Browser | undefined;
  after(async () => browser?.close());

  it('shows the head advancing, every node in its cell with its role, and a suspension as it happens', async () => {
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const node = cluster.nodes[0]!;
    await page.goto(`${node.url}/`);
    const bad = (await cluster.nodes[BAD]!.rpc.call<{ address: string }>('node_status')).address;

    let loading = true;
    const load = (async () => {
      for (let k = 0; loading; k++) {
        await cluster.nodes[k % BAD]!.rpc.call('tx_send', { to: SINK, amount: 1 }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      const headOnPage = async () => Number(await page.locator('[data-head]').textContent());
      const first = await waitFor('a head on the page', async () => {
        const h = await headOnPage();
        return h > 0 && h;
      }, 60_000);
      await waitFor('the head on the page to advance', async () => (await headOnPage()) > first, 60_000);

      const regions = await node.rpc.call<Region[]>('regions_list');
      await waitFor('one marker per node of regions_list', async () => (await page.locator('[data-node]').count()) === regions.flatMap((r) => r.nodes).length, 30_000);
      assert.equal(await page.locator('[data-cell]').count(), regions.length, 'one cell element per cell');
      for (const r of regions) {
        for (const n of r.nodes) assert.equal(await page.locator(`[data-node="${n.address}"]`).count(), 1, `${n.address} is on the map`);
      }

      await waitFor('the equivocator to show as suspended on the page', async () => (await page.locator(`[data-node="${bad}"]`).getAttribute('data-role')) === 'suspended', 180_000, 1000);
      const roles = await page.locator('[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-role')));
      assert.equal(roles.filter((r) => r === 'suspended').length, 1, `only the equivocator is suspended: ${roles.join(', ')}`);
      assert.match((await page.locator('#suspensions').textContent())!, new RegExp(bad.slice(0, 8)), 'listed under suspensions');

      const dir = process.env.ARTIFACT_DIR ?? tmpdir();
      mkdirSync(dir, { recursive: true });
      const shot = join(dir, 'posplus-dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      process.stderr.write(`      screenshot: ${shot}\n`);
      assert.deepEqual(errors, [], 'no script errors on the page');
    } finally {
      loading = false;
      await load;
    }
  });
});
