// What the browser scripts share: checks, logging, the checkpoint conversation with the Rust
// test (tests/support/lib.rs, `browser::Driver`), starting Debian's chromium, screenshots.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

/** Flags the Rust test starts chromium with: no network of its own, no first-run screens. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Debian's chromium with a fresh profile in `profile`; `options` as playwright takes them. */
export function launch(profile, options) {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    deviceScaleFactor: 1,
    ...options,
  });
}

/** `--name value` pairs and the `--checkpoints` flag; each of `needed` must be given. */
export function parseArgs(argv, needed) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`);
    if (key === '--checkpoints') {
      args.checkpoints = true;
    } else {
      args[key.slice(2)] = argv[++i];
    }
  }
  for (const name of needed) {
    if (!args[name]) throw new Error(`missing --${name}`);
  }
  return args;
}

export function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

export function same(actual, expected, what) {
  if (actual !== expected) {
    throw new Error(`check failed: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

export function log(message) {
  process.stderr.write(`browser: ${message}\n`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Checkpoints: the Rust test checks the database, then answers `ok`. */
export class Checkpoints {
  constructor(enabled) {
    this.enabled = enabled;
    if (enabled) {
      this.lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    }
  }

  async reach(step, data) {
    if (!this.enabled) return;
    process.stdout.write(`CHECKPOINT ${JSON.stringify({ step, ...data })}\n`);
    const { value, done } = await this.lines.next();
    if (done || value.trim() !== 'ok') {
      throw new Error(`the test did not accept checkpoint ${step}: ${done ? 'no answer' : value}`);
    }
  }
}

export async function screenshot(page, dir, name) {
  await mkdir(dir, { recursive: true });
  await page.evaluate(() => document.fonts.ready);
  const path = join(dir, name);
  await page.screenshot({ path, fullPage: false });
  log(`screenshot ${path}`);
}

