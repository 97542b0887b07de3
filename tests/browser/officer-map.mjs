// Drives Debian's chromium, as an officer on an in-car laptop would (1366×768, a touch
// screen), through the officer map of a running `canvass serve`: sign in, search an address,
// tap the map to drop the incident, see the cameras, type the case number, see the owners'
// contacts, mark a camera contacted, download the CSV and open the print sheet. Run by
// tests/officer_map.rs, which starts the server and checks the database and the API at each
// checkpoint.
//
//   node officer-map.mjs --base URL --user NAME --password PASSWORD --address "123 Main St" \
//        --case 26-004417 --hours-ago 26 --screenshots DIR --artifacts DIR --downloads DIR [--checkpoints]
//
// Controls are found by their visible label or role, so one without a proper label fails.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checkpoints, check, launch, log, parseArgs, same, screenshot } from './common.mjs';

const VIEWPORT = { width: 1366, height: 768 };
/** The smallest touch target the map allows, in CSS pixels. */
const TARGET = 44;

/** Controls on screen smaller than a finger, and whether anything scrolls sideways. */
async function checkLayout(page, what) {
  const found = await page.evaluate((target) => {
    const visible = (e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight &&
        r.right > 0 && r.left < window.innerWidth && getComputedStyle(e).visibility !== 'hidden';
    };
    const small = [...document.querySelectorAll('button, a.button, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), .modes span')]
      .filter(visible)
      .filter((e) => e.getBoundingClientRect().height < target - 0.5)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id || ''} "${(e.textContent || e.getAttribute('aria-label') || '').trim().slice(0, 30)}" ${Math.round(e.getBoundingClientRect().height)}px`);
    const unlabelled = [...document.querySelectorAll('input:not([type=hidden])')]
      .filter((c) => (c.labels === null || c.labels.length === 0) && !c.getAttribute('aria-label'))
      .map((c) => c.id || c.name);
    return { small, unlabelled, width: document.documentElement.scrollWidth };
  }, TARGET);
  same(JSON.stringify(found.small), '[]', `${what}: controls under ${TARGET} px`);
  same(JSON.stringify(found.unlabelled), '[]', `${what}: inputs without a label`);
  check(found.width <= VIEWPORT.width, `${what}: fits ${VIEWPORT.width} px (is ${found.width})`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2), [
    'base', 'user', 'password', 'address', 'case', 'hours-ago', 'screenshots', 'artifacts', 'downloads',
  ]);
  const base = args.base;
  const checkpoints = new Checkpoints(Boolean(args.checkpoints));
  const profile = await mkdtemp(join(tmpdir(), 'canvass-chromium-'));
  const context = await launch(profile, {
    viewport: VIEWPORT,
    screen: VIEWPORT,
    hasTouch: true,
    locale: 'en-US',
    timezoneId: 'America/Los_Angeles',
    acceptDownloads: true,
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error' && ours(message.location().url || '')) {
      errors.push(`${message.text()} (${message.location().url})`);
    }
  });
  // The sign-in pages name no icon, so the browser asks for /favicon.ico there: not the map's.
  const ours = (url) => !url.endsWith('/favicon.ico');
  page.on('response', (response) => {
    if (response.status() >= 400 && ours(response.url())) errors.push(`${response.status()} ${response.url()}`);
  });
  try {
    // --- Signed out, the map sends the officer to sign in.
    await page.goto(`${base}/map`, { waitUntil: 'load' });
    same(new URL(page.url()).pathname, '/login', '/map without a session');
    await page.getByLabel('User name').fill(args.user);
    await page.getByLabel('Password', { exact: true }).fill(args.password);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in' }).click()]);
    same(new URL(page.url()).pathname, '/account', 'signed in');
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.getByRole('link', { name: 'Open the officer map' }).click(),
    ]);
    same(new URL(page.url()).pathname, '/map', 'the map, from the account page');
    await page.waitForSelector('#map canvas');
    await checkLayout(page, 'the empty map');

    // --- Search an address: the map goes there.
    await page.getByLabel('Address').fill(args.address);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.found-marker').waitFor();
    await page.waitForLoadState('networkidle');

    // --- The incident was some hours ago, typed on the department's clock.
    const earlier = await page.evaluate((hours) => {
      const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
        timeZone: document.body.dataset.zone, hourCycle: 'h23', year: 'numeric', month: '2-digit',
        day: '2-digit', hour: '2-digit', minute: '2-digit',
      }).formatToParts(new Date(Date.now() - hours * 3600e3)).map((p) => [p.type, p.value]));
      return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
    }, Number(args['hours-ago']));
    await page.getByLabel('Incident time').fill(earlier);

    // --- Tap the map at the address (just below its pin) to drop the incident: the cameras
    // are listed at once.
    const box = await page.locator('#map').boundingBox();
    await page.touchscreen.tap(box.x + box.width / 2, box.y + box.height / 2 + 6);
    await page.locator('.incident-marker').waitFor();
    await page.locator('#cameras li.camera').first().waitFor();
    const listed = await page.locator('#cameras li.camera').count();
    const early = await page.locator('#cameras .contact').count();
    check(await page.getByRole('button', { name: 'Start canvass and show contacts' }).isVisible(),
      'the case-number prompt is shown before any contact');
    check(await page.locator('#cameras .badge').count() >= 2 * listed, 'every camera has its badges');
    log(`listed ${listed} cameras`);
    await checkpoints.reach('listed', { cameras: listed, contacts: early });

    // --- The case number: the canvass runs and the contacts appear.
    await page.getByLabel('Case number').fill(args.case);
    await page.getByLabel('Reason').fill('burglary');
    await page.getByRole('button', { name: 'Start canvass and show contacts' }).click();
    await page.locator('#cameras .contact').first().waitFor();
    const href = await page.locator('#csv').getAttribute('href');
    const canvassId = Number(/\/api\/v1\/canvasses\/(\d+)\.csv$/.exec(href)[1]);
    const cameras = await page.locator('#cameras li.camera').count();
    const contacts = await page.locator('#cameras .contact').count();
    check(await page.locator('#cameras a[href^="tel:"]').count() > 0, 'tel: links');
    check(await page.locator('#cameras a[href^="mailto:"]').count() > 0, 'mailto: links');
    check(await page.getByRole('button', { name: 'Request footage' }).isVisible(), 'request button');
    await checkpoints.reach('contacts', { canvass_id: canvassId, cameras, contacts });

    // --- Mark the nearest camera contacted.
    const first = page.locator('#cameras li.camera').first();
    const cameraId = Number((await first.getAttribute('id')).replace('camera-', ''));
    await first.getByRole('button', { name: 'Contacted' }).click();
    await page.locator(`#camera-${cameraId} button[aria-pressed=true]`).waitFor();
    same((await page.locator(`#camera-${cameraId} button[aria-pressed=true]`).innerText()).trim(),
      'Contacted', 'the pressed status');
    await checkpoints.reach('status', { camera_id: cameraId });

    // --- The map with its results, for docs/.
    await page.locator(`#camera-${cameraId} .rank`).click();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(600);
    await checkLayout(page, 'the map with results');
    await screenshot(page, args.screenshots, 'officer-map.png');

    // --- The CSV, as the browser downloads it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    await mkdir(args.downloads, { recursive: true });
    const path = join(args.downloads, download.suggestedFilename());
    await download.saveAs(path);
    same(download.suggestedFilename(), `canvass-${canvassId}.csv`, 'the CSV file name');
    await checkpoints.reach('csv', { path, cameras, camera_id: cameraId });


    // --- Ask the owners of the ticked cameras to keep their recording.
    const asked = await page.locator('#cameras .ask input:checked').count();
    await page.getByRole('button', { name: 'Request footage' }).click();
    await page.locator('#request-dialog').waitFor();
    await page.getByText('Preserve the recording').click();
    await page.getByLabel('Callback phone').fill('(925) 555-0142');
    await checkLayout(page, 'the footage request');
    await screenshot(page, args.artifacts, 'officer-map-request.png');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#request-dialog').waitFor({ state: 'hidden' });
    const sent = (await page.locator('#map-hint').innerText()).trim();
    check(/^Footage request sent to \d+ of \d+ owners\.$/.test(sent), `request sent: ${sent}`);
    await checkpoints.reach('requested', { cameras: asked });

    // --- The print sheet opens beside the map.
    const [sheet] = await Promise.all([context.waitForEvent('page'), page.locator('#sheet').click()]);
    await sheet.waitForLoadState('load');
    await sheet.setViewportSize(VIEWPORT);
    const title = await sheet.title();
    const stops = await sheet.locator('.stop').count();
    await screenshot(sheet, args.artifacts, 'officer-map-sheet.png');
    await checkpoints.reach('sheet', { title, stops });

    same(JSON.stringify(errors), '[]', 'errors in the page');
  } catch (error) {
    await mkdir(args.artifacts, { recursive: true });
    const shot = join(args.artifacts, 'failure.png');
    await page.screenshot({ path: shot }).catch(() => {});
    await writeFile(join(args.artifacts, 'failure.html'), await page.content().catch(() => '')).catch(() => {});
    log(`failed at ${page.url()}; page saved as ${shot} and failure.html; page errors: ${JSON.stringify(errors)}`);
    throw error;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
  process.stdout.write('DONE\n');
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`browser: ${error.stack || error}\n`);
    process.exit(1);
  },
);
