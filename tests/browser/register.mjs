// Drives Debian's chromium, as a resident on a phone would, through the public pages of a
// running `canvass serve`: registration in English and in Spanish, the confirmation mail, the
// manage link, an edit, and opting out. Run by tests/browser.rs, which starts the server and a
// real SMTP server and checks the database at each checkpoint.
//
//   node register.mjs --base URL --maildir DIR --screenshots DIR --artifacts DIR \
//        --address-en "123 Main St" --address-es "456 Oak Ave" [--checkpoints]
//
// With --checkpoints the script prints `CHECKPOINT {json}` at each step the database should be
// checked at, and waits for a line `ok` on standard input before going on.
//
// Every form field is found by its visible label text in the page's language, so a field
// without a proper label fails the test.

import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Checkpoints, check, launch, log, parseArgs, same, screenshot, sleep,
} from './common.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const VIEWPORT = { width: 390, height: 844 };

/** What a person reads on the pages and in the mails, in both languages. */
const WORDS = {
  en: {
    locale: 'en-US',
    homeRegister: 'Register my cameras',
    registerHeading: 'Register your cameras',
    switchTo: 'Español',
    name: 'Your name *',
    email: 'E-mail *',
    phone: 'Phone',
    contact: { email: 'E-mail', phone: 'Phone call', text: 'Text message' },
    language: 'Language for our messages',
    kind: { residence: 'Home', business: 'Business' },
    businessName: 'Business name',
    address: 'Street address *',
    cameraLegend: (n) => `Camera ${n}`,
    placement: { exterior: 'Outside', interior: 'Inside' },
    views: {
      street: 'Street', sidewalk: 'Sidewalk', driveway: 'Driveway', yard: 'Yard',
      parking_lot: 'Parking lot', alley: 'Alley', entrance: 'Entrance',
    },
    facing: 'Which way does it face?',
    compass: { N: 'North', S: 'South', E: 'East', W: 'West', NE: 'Northeast' },
    retention: 'How many days does it keep video?',
    recording: { continuous: 'All the time', motion: 'When it detects motion' },
    export: { yes: 'Yes', no: 'No', not_sure: 'Not sure' },
    notes: 'Notes for officers (optional)',
    addCamera: 'Add another camera',
    removeCamera: 'Remove this camera',
    consent: 'I agree:',
    submit: 'Register',
    problemConsent: 'Please tick the box to agree.',
    sentHeading: 'Check your e-mail',
    confirmedHeading: 'Thank you — you are registered',
    manageHeading: 'Change or remove your registration',
    manageSend: 'Send me a link',
    manageSent: 'If that address is registered, a link is on its way. It works once, for one hour.',
    entryHeading: 'Your registration',
    statusActive: 'Status: active',
    statusPaused: 'Status: paused — officers do not see your cameras',
    save: 'Save changes',
    saved: 'Your changes are saved.',
    pause: 'Pause my registration',
    paused: 'Your registration is paused.',
    optOut: 'Yes, remove everything',
    optedOutHeading: 'Your registration is removed',
    linkInvalidHeading: 'This link does not work',
    sessionEnded: 'Your session ended. Ask for a new link.',
    subjects: {
      confirm: 'Please confirm your camera registration',
      manage: 'Your link to change your camera registration',
      optout: 'Your camera registration was removed',
    },
    greeting: (name) => `Hello ${name},`,
    removedOn: (date) => `were deleted on ${date}.`,
  },
  es: {
    locale: 'es-MX',
    homeRegister: 'Registrar mis cámaras',
    registerHeading: 'Registre sus cámaras',
    switchTo: 'English',
    name: 'Su nombre *',
    email: 'Correo electrónico *',
    phone: 'Teléfono',
    contact: { email: 'Correo electrónico', phone: 'Llamada', text: 'Mensaje de texto' },
    language: 'Idioma de nuestros mensajes',
    kind: { residence: 'Una vivienda', business: 'Un negocio' },
    businessName: 'Nombre del negocio',
    address: 'Dirección *',
    cameraLegend: (n) => `Cámara ${n}`,
    placement: { exterior: 'Afuera', interior: 'Adentro' },
    views: {
      street: 'Calle', sidewalk: 'Acera', driveway: 'Entrada de autos', yard: 'Patio',
      parking_lot: 'Estacionamiento', alley: 'Callejón', entrance: 'Entrada',
    },
    facing: '¿Hacia dónde apunta?',
    compass: { N: 'Norte', S: 'Sur', E: 'Este', W: 'Oeste', NE: 'Noreste' },
    retention: '¿Cuántos días guarda el video?',
    recording: { continuous: 'Todo el tiempo', motion: 'Cuando detecta movimiento' },
    export: { yes: 'Sí', no: 'No', not_sure: 'No sé' },
    notes: 'Notas para los agentes (opcional)',
    addCamera: 'Agregar otra cámara',
    removeCamera: 'Quitar esta cámara',
    consent: 'Acepto:',
    submit: 'Registrar',
    problemConsent: 'Marque la casilla para aceptar.',
    sentHeading: 'Revise su correo',
    confirmedHeading: 'Gracias, ya está registrado',
    manageHeading: 'Cambiar o eliminar su registro',
    manageSend: 'Enviarme un enlace',
    manageSent: 'Si ese correo está registrado, le llegará un enlace. Funciona una sola vez, durante una hora.',
    entryHeading: 'Su registro',
    statusActive: 'Estado: activo',
    statusPaused: 'Estado: en pausa: los agentes no ven sus cámaras',
    save: 'Guardar cambios',
    saved: 'Sus cambios se guardaron.',
    pause: 'Pausar mi registro',
    paused: 'Su registro está en pausa.',
    optOut: 'Sí, eliminar todo',
    optedOutHeading: 'Su registro fue eliminado',
    linkInvalidHeading: 'Este enlace no funciona',
    sessionEnded: 'Su sesión terminó. Pida un enlace nuevo.',
    subjects: {
      confirm: 'Confirme el registro de sus cámaras',
      manage: 'Su enlace para cambiar el registro de sus cámaras',
      optout: 'Su registro de cámaras fue eliminado',
    },
    greeting: (name) => `Hola, ${name}:`,
    removedOn: (date) => `se borraron el ${date}.`,
  },
};

/** The two owners: what they type, and what they change later. */
function owners(args) {
  return {
    en: {
      lang: 'en',
      name: 'Ana Browser-Tester',
      email: 'ana.browser@example.org',
      phone: '925-555-0142',
      contact: 'text',
      kind: 'residence',
      address: args['address-en'],
      cameras: [
        { placement: 'exterior', views: ['street', 'driveway'], facing: 'N', retention: '30',
          recording: 'continuous', export: 'yes', notes: 'Doorbell camera by the front door' },
        { placement: 'interior', views: ['entrance'], facing: '', retention: '',
          recording: 'motion', export: 'not_sure', notes: '' },
      ],
      edit: { facing: 'S', retention: '14', notes: 'Doorbell camera, moved to the garage', addView: 'yard' },
    },
    es: {
      lang: 'es',
      name: 'Luis Navegador Prueba',
      email: 'luis.navegador@example.org',
      phone: '',
      contact: 'email',
      kind: 'business',
      businessName: 'Panadería La Esquina',
      address: args['address-es'],
      cameras: [
        { placement: 'exterior', views: ['sidewalk', 'parking_lot'], facing: 'E', retention: '7',
          recording: 'motion', export: 'no', notes: 'Cámara sobre la puerta del estacionamiento' },
        { placement: 'exterior', views: ['alley'], facing: 'W', retention: '60',
          recording: 'continuous', export: 'yes', notes: '' },
      ],
      edit: { facing: 'NE', retention: '21', notes: 'Cámara nueva sobre la puerta', addView: 'entrance' },
    },
  };
}


/** The mail the real SMTP server received, decoded by Python's e-mail package. */
class Mailbox {
  constructor(dir) {
    this.dir = dir;
    this.taken = new Set();
  }

  all() {
    const python = process.env.PYTHON || 'python3';
    const out = execFileSync(python, [join(HERE, 'maildir.py'), this.dir], { encoding: 'utf8' });
    return JSON.parse(out);
  }

  async expect(to, subject) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const messages = this.all();
      const found = messages.find(
        (m) => !this.taken.has(m.file) && m.to.includes(to) && m.subject === subject,
      );
      if (found) {
        this.taken.add(found.file);
        // Owner mail from the outbox: a plain-text and an HTML part of the same text.
        same(found.content_type, 'multipart/alternative', `content type of "${subject}"`);
        same(found.parts.join(' '), 'text/plain text/html', `parts of "${subject}"`);
        return found;
      }
      if (Date.now() > deadline) {
        const seen = messages.map((m) => `${m.to}: ${m.subject}`).join('; ');
        throw new Error(`no mail "${subject}" to ${to} within 30 s (the mailbox has: ${seen || 'nothing'})`);
      }
      await sleep(200);
    }
  }

  /** Subjects of every message sent to `to`. */
  subjectsTo(to) {
    return this.all().filter((m) => m.to.includes(to)).map((m) => m.subject);
  }
}

/** The one link in a mail body that starts with `prefix`. */
function linkIn(body, prefix) {
  const links = body.match(/https?:\/\/\S+/g) || [];
  const matching = links.filter((l) => l.startsWith(prefix));
  same(matching.length, 1, `links starting with ${prefix} in\n${body}\n`);
  return matching[0];
}

/** Clicks a button that posts a form and waits for the page that comes back. */
async function post(page, button) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  return response;
}

async function goto(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  return response;
}

async function heading(page) {
  return (await page.locator('h1').innerText()).trim();
}

/** Every form control on the page has a label, and nothing is wider than the phone. */
async function checkPage(page, lang, what) {
  const found = await page.evaluate(() => {
    const controls = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')];
    return {
      lang: document.documentElement.lang,
      unlabelled: controls
        .filter((c) => c.labels === null || c.labels.length === 0)
        .map((c) => c.name || c.id || c.outerHTML),
      width: document.documentElement.scrollWidth,
    };
  });
  same(found.lang, lang, `<html lang> of ${what}`);
  same(found.unlabelled.join(', '), '', `form controls without a label on ${what}`);
  check(found.width <= VIEWPORT.width, `${what} fits ${VIEWPORT.width} px without scrolling sideways (is ${found.width} px)`);
}

function cameraBlock(page, i) {
  return page.locator('fieldset.camera').nth(i);
}

async function cameraCount(page) {
  return page.locator('fieldset.camera').count();
}

async function fillCamera(page, w, i, camera) {
  const block = cameraBlock(page, i);
  same((await block.locator('legend').first().innerText()).trim(), w.cameraLegend(i + 1), `legend of camera block ${i}`);
  await block.getByLabel(w.placement[camera.placement], { exact: true }).check();
  for (const view of camera.views) {
    await block.getByLabel(w.views[view], { exact: true }).check();
  }
  if (camera.facing) {
    await block.getByLabel(w.facing, { exact: true }).selectOption({ label: w.compass[camera.facing] });
  }
  await block.getByLabel(w.retention, { exact: true }).fill(camera.retention);
  await block.getByLabel(w.recording[camera.recording], { exact: true }).check();
  await block.getByLabel(w.export[camera.export], { exact: true }).check();
  await block.getByLabel(w.notes, { exact: true }).fill(camera.notes);
}

/** The values a camera block shows, as the form would send them. */
async function cameraValues(page, i) {
  const block = cameraBlock(page, i);
  return block.evaluate((fieldset, index) => {
    const field = (name) => `camera-${index}-${name}`;
    const checked = (name) =>
      [...fieldset.querySelectorAll(`input[name="${field(name)}"]:checked`)].map((e) => e.value);
    return {
      placement: checked('placement')[0] || '',
      views: checked('views'),
      facing: fieldset.querySelector(`select[name="${field('facing')}"]`).value,
      retention: fieldset.querySelector(`input[name="${field('retention_days')}"]`).value,
      recording: checked('recording_mode')[0] || '',
      export: checked('can_export')[0] || '',
      notes: fieldset.querySelector(`textarea[name="${field('notes')}"]`).value,
    };
  }, i);
}

function expectCamera(actual, camera, what) {
  const wanted = {
    placement: camera.placement,
    views: [...camera.views].sort(),
    facing: camera.facing,
    retention: camera.retention,
    recording: camera.recording,
    export: camera.export,
    notes: camera.notes,
  };
  same(JSON.stringify({ ...actual, views: [...actual.views].sort() }), JSON.stringify(wanted), what);
}

/** One owner's whole journey in one fresh browser profile. */
async function journey(args, owner, mail, checkpoints) {
  const w = WORDS[owner.lang];
  const lang = owner.lang;
  const base = args.base;
  const profile = await mkdtemp(join(tmpdir(), 'canvass-chromium-'));
  const context = await launch(profile, {
    viewport: VIEWPORT,
    screen: VIEWPORT,
    isMobile: true,
    hasTouch: true,
    locale: w.locale,
  });

  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] || (await context.newPage());
  try {
    // --- The form, reached the way a person would reach it.
    if (lang === 'en') {
      // From the home page's button.
      same((await goto(page, `${base}/?lang=en`)).status(), 200, 'GET /');
      await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: w.homeRegister }).click()]);
    } else {
      // The browser asks for Spanish (Accept-Language from the es-MX locale): no ?lang= needed.
      same((await goto(page, `${base}/register`)).status(), 200, 'GET /register');
    }
    same(await heading(page), w.registerHeading, 'registration heading');
    await checkPage(page, lang, `/register (${lang})`);
    await screenshot(page, args.screenshots, `register-${lang}.png`);
    // The switch names the other language, in that language, and leads to it.
    const other = lang === 'en' ? 'es' : 'en';
    const switchLink = page.locator('header a[hreflang]');
    same((await switchLink.innerText()).trim(), w.switchTo, 'the language switch link names the other language');
    same(await switchLink.getAttribute('hreflang'), other, 'hreflang of the language switch');
    same(new URL(await switchLink.getAttribute('href'), base).searchParams.get('lang'), other, 'target of the language switch');

    // The language of our messages defaults to the page's.
    same(await page.getByLabel(w.language, { exact: true }).inputValue(), lang, 'default message language');

    // --- About you, and where.
    await page.getByLabel(w.name, { exact: true }).fill(owner.name);
    await page.getByLabel(w.email, { exact: true }).fill(owner.email);
    if (owner.phone) await page.getByLabel(w.phone, { exact: true }).fill(owner.phone);
    await page.getByLabel(w.contact[owner.contact], { exact: true }).check();
    await page.getByLabel(w.kind[owner.kind], { exact: true }).check();
    if (owner.businessName) await page.getByLabel(w.businessName, { exact: true }).fill(owner.businessName);
    await page.getByLabel(w.address, { exact: true }).fill(owner.address);

    // --- Cameras: fill one, add a second, add a third and take it away again.
    same(await cameraCount(page), 1, 'camera blocks on a new form');
    await fillCamera(page, w, 0, owner.cameras[0]);
    let response = await post(page, page.getByRole('button', { name: w.addCamera }));
    same(response.status(), 200, 'add a camera');
    same(await cameraCount(page), 2, 'camera blocks after adding one');
    expectCamera(await cameraValues(page, 0), owner.cameras[0], 'camera 1 kept after adding a camera');
    same(await page.getByLabel(w.name, { exact: true }).inputValue(), owner.name, 'name kept after adding a camera');
    await fillCamera(page, w, 1, owner.cameras[1]);
    response = await post(page, page.getByRole('button', { name: w.addCamera }));
    same(await cameraCount(page), 3, 'camera blocks after adding another');
    response = await post(page, cameraBlock(page, 2).getByRole('button', { name: w.removeCamera }));
    same(response.status(), 200, 'remove a camera');
    same(await cameraCount(page), 2, 'camera blocks after removing one');
    expectCamera(await cameraValues(page, 1), owner.cameras[1], 'camera 2 kept after removing camera 3');

    // The field people never see stays empty.
    same(await page.locator('input[name=website]').inputValue(), '', 'honeypot');

    // --- Sent without consent: refused in the page's language, everything kept.
    response = await post(page, page.getByRole('button', { name: w.submit, exact: true }));
    same(response.status(), 422, 'a form without consent is refused');
    await checkPage(page, lang, `refused form (${lang})`);
    check(
      (await page.locator('.summary').innerText()).includes(w.problemConsent),
      `the problem summary says "${w.problemConsent}"`,
    );
    same(await page.getByLabel(w.address, { exact: true }).inputValue(), owner.address, 'address kept after a refusal');
    expectCamera(await cameraValues(page, 0), owner.cameras[0], 'camera 1 kept after a refusal');

    // --- Agreed and sent.
    await page.getByLabel(w.consent).check();
    response = await post(page, page.getByRole('button', { name: w.submit, exact: true }));
    same(response.status(), 200, 'the page after registering');
    same(new URL(page.url()).pathname, '/register/sent', 'redirected after registering');
    same(await heading(page), w.sentHeading, 'heading after registering');
    await checkpoints.reach('registered', {
      lang,
      name: owner.name,
      email: owner.email,
      phone: owner.phone,
      business_name: owner.businessName || '',
      cameras: owner.cameras,
    });

    // --- The confirmation mail, in the owner's language, and its link.
    const confirmMail = await mail.expect(owner.email, w.subjects.confirm);
    check(confirmMail.body.includes(w.greeting(owner.name)), `confirmation mail greets ${owner.name}:\n${confirmMail.body}`);
    const confirmLink = linkIn(confirmMail.body, `${base}/confirm/`);
    check(confirmLink.endsWith(`?lang=${lang}`), `confirmation link keeps the language: ${confirmLink}`);
    response = await goto(page, confirmLink);
    same(response.status(), 200, 'opening the confirmation link');
    same(await heading(page), w.confirmedHeading, 'heading after confirming');
    await checkPage(page, lang, `confirmed (${lang})`);

    // --- The manage link, by e-mail.
    same((await goto(page, `${base}/manage?lang=${lang}`)).status(), 200, 'GET /manage');
    same(await heading(page), w.manageHeading, 'manage heading');
    await checkPage(page, lang, `/manage (${lang})`);
    await page.getByLabel(w.email, { exact: true }).fill(owner.email);
    response = await post(page, page.getByRole('button', { name: w.manageSend }));
    same(response.status(), 200, 'asking for a manage link');
    same((await page.locator('.notice').innerText()).trim(), w.manageSent, 'notice after asking for a link');
    const manageMail = await mail.expect(owner.email, w.subjects.manage);
    const manageLink = linkIn(manageMail.body, `${base}/manage/`);
    check(manageLink.endsWith(`?lang=${lang}`), `manage link keeps the language: ${manageLink}`);
    response = await goto(page, manageLink);
    same(response.status(), 200, 'opening the manage link');
    same(new URL(page.url()).pathname, '/manage/entry', 'the manage link leads to the entry');
    same(await heading(page), w.entryHeading, 'entry heading');
    await checkPage(page, lang, `/manage/entry (${lang})`);
    check((await page.locator('main').innerText()).includes(w.statusActive), `entry says "${w.statusActive}"`);

    // The form holds what was registered.
    same(await page.getByLabel(w.name, { exact: true }).inputValue(), owner.name, 'stored name');
    same(await page.getByLabel(w.email, { exact: true }).inputValue(), owner.email, 'stored e-mail');
    if (owner.phone) {
      const digits = (await page.getByLabel(w.phone, { exact: true }).inputValue()).replace(/\D/g, '');
      check(digits.endsWith(owner.phone.replace(/\D/g, '')), `stored phone ${digits}`);
    }
    check(await page.getByLabel(w.contact[owner.contact], { exact: true }).isChecked(), 'stored contact method');
    check(await page.getByLabel(w.kind[owner.kind], { exact: true }).isChecked(), 'stored kind');
    if (owner.businessName) {
      same(await page.getByLabel(w.businessName, { exact: true }).inputValue(), owner.businessName, 'stored business name');
    }
    same(await cameraCount(page), owner.cameras.length, 'stored cameras');
    for (let i = 0; i < owner.cameras.length; i++) {
      expectCamera(await cameraValues(page, i), owner.cameras[i], `stored camera ${i + 1}`);
    }

    // A manage link works once.
    response = await goto(page, manageLink);
    same(response.status(), 404, 'a used manage link');
    same(await heading(page), w.linkInvalidHeading, 'heading of a used link');
    same((await goto(page, `${base}/manage/entry?lang=${lang}`)).status(), 200, 'the entry again, by its session');

    // --- Edit: camera 1 turned and kept shorter, camera 2 sees one more thing.
    const edited = owner.cameras.map((c) => ({ ...c, views: [...c.views] }));
    edited[0].facing = owner.edit.facing;
    edited[0].retention = owner.edit.retention;
    edited[0].notes = owner.edit.notes;
    edited[1].views.push(owner.edit.addView);
    const first = cameraBlock(page, 0);
    await first.getByLabel(w.facing, { exact: true }).selectOption({ label: w.compass[owner.edit.facing] });
    await first.getByLabel(w.retention, { exact: true }).fill(owner.edit.retention);
    await first.getByLabel(w.notes, { exact: true }).fill(owner.edit.notes);
    await cameraBlock(page, 1).getByLabel(w.views[owner.edit.addView], { exact: true }).check();
    response = await post(page, page.getByRole('button', { name: w.save, exact: true }));
    same(response.status(), 200, 'saving the edit');
    same((await page.locator('.notice').innerText()).trim(), w.saved, 'notice after saving');
    for (let i = 0; i < edited.length; i++) {
      expectCamera(await cameraValues(page, i), edited[i], `camera ${i + 1} after the edit`);
    }
    await checkpoints.reach('edited', { lang, cameras: edited });

    if (lang === 'es') {
      // Paused first: opting out works from any state.
      response = await post(page, page.getByRole('button', { name: w.pause, exact: true }));
      same(response.status(), 200, 'pausing');
      same((await page.locator('.notice').innerText()).trim(), w.paused, 'notice after pausing');
      check((await page.locator('main').innerText()).includes(w.statusPaused), `entry says "${w.statusPaused}"`);
    }

    // --- Opt out.
    response = await post(page, page.getByRole('button', { name: w.optOut, exact: true }));
    same(response.status(), 200, 'opting out');
    same(await heading(page), w.optedOutHeading, 'heading after opting out');
    await checkPage(page, lang, `opted out (${lang})`);
    const receipt = await mail.expect(owner.email, w.subjects.optout);
    const today = new Date().toISOString().slice(0, 10);
    check(receipt.body.includes(w.removedOn(today)), `the receipt names the date ${today}:\n${receipt.body}`);
    response = await goto(page, `${base}/manage/entry?lang=${lang}`);
    check([401, 403].includes(response.status()), `the entry after opting out is refused (${response.status()})`);
    check((await page.locator('main').innerText()).includes(w.sessionEnded), `the page says "${w.sessionEnded}"`);
    same(
      JSON.stringify(mail.subjectsTo(owner.email)),
      JSON.stringify([w.subjects.confirm, w.subjects.manage, w.subjects.optout]),
      `every mail to ${owner.email}`,
    );
    await checkpoints.reach('opted_out', { lang });
    log(`${lang}: registered, confirmed, edited and opted out`);
  } catch (error) {
    await mkdir(args.artifacts, { recursive: true });
    const shot = join(args.artifacts, `failure-${lang}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    await writeFile(join(args.artifacts, `failure-${lang}.html`), await page.content().catch(() => '')).catch(() => {});
    log(`${lang}: failed at ${page.url()}; page saved as ${shot} and failure-${lang}.html`);
    throw error;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2), ['base', 'maildir', 'screenshots', 'artifacts', 'address-en', 'address-es']);
  const mail = new Mailbox(args.maildir);
  const checkpoints = new Checkpoints(Boolean(args.checkpoints));
  const people = owners(args);
  for (const lang of ['en', 'es']) {
    await journey(args, people[lang], mail, checkpoints);
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
