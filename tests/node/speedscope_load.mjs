// speedscope_load.mjs PROFILE OUTDIR — opens PROFILE in speedscope (npm speedscope: its release
// build, the web app www.speedscope.app serves) in headless Chromium, the way speedscope's own
// command line does (index.html#localProfilePath=SCRIPT, SCRIPT calling loadFileFromBase64),
// waits for the import, clicks its Export button and saves the profile as speedscope re-wrote it
// to OUTDIR/exported.json (its model of the file: frames, profiles, events normalised), then
// switches to the Sandwich view. Prints JSON: the console line naming the importer speedscope
// chose, any page error, the toolbar's text (profile name and "(1/N)") and the sandwich table's.
// Chromium is Debian's (/usr/bin/chromium), driven by playwright-core; no download.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const [profile, outdir] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(outdir, 'load-profile.js');
fs.writeFileSync(script, `speedscope.loadFileFromBase64(${JSON.stringify(path.basename(profile))}, ` +
                         `${JSON.stringify(fs.readFileSync(profile).toString('base64'))})`);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const result = { importer: null, errors: [], toolbar: null, sandwich: null };
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true });
  page.on('pageerror', e => result.errors.push(e.message));
  page.on('console', m => { if (m.type() === 'error') result.errors.push(m.text()); });
  const imported = page.waitForEvent('console', { predicate: m => m.text().startsWith('Importing as'), timeout: 60000 });
  await page.goto('file://' + path.join(here, 'node_modules/speedscope/dist/release/index.html') +
                  '#localProfilePath=' + script);
  result.importer = (await imported).text();
  const exportButton = page.getByText('Export', { exact: false }).first();
  await exportButton.waitFor({ timeout: 60000 });
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), exportButton.click()]);
  await download.saveAs(path.join(outdir, 'exported.json'));
  result.toolbar = await page.evaluate(() => document.body.innerText.split('\n').slice(0, 3).join('\n'));
  await page.getByText('Sandwich').click();
  await page.getByText('Symbol Name').waitFor({ timeout: 60000 });
  result.sandwich = await page.evaluate(() => document.body.innerText);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
