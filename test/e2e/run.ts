// `npm run test:e2e`: WattLens inside a real VS Code (code-server) — installs what it needs outside the
// repository (setup.ts), packages the .vsix, installs it into code-server, runs the mocha suites in the
// extension host (an untrusted workspace, then a trusted one), then the browser-level checks with
// playwright-core and Chromium, and prints a timing report. `WATTLENS_E2E=skip` skips it, saying so.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { browserChecks, launchBrowser, type CheckOutcome } from './browser';
import { CodeServer, installExtension, type CodeServerDirs } from './codeServer';
import { ensureEnvironment, type Environment } from './setup';
import { buildWorkspace, writeUserSettings } from './workspace';
import type { RunConfig } from './suite/index';

const repo = join(__dirname, '..', '..');
const out = join(repo, 'out', 'e2e');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  version: string;
};
/** The whole run's limit: CI gives 90 minutes to everything, so the e2e part stops well before. */
const RUN_LIMIT_MS = 30 * 60_000;

interface Outcome {
  title: string;
  state: string;
  durationMs: number;
  error?: string;
}

interface Phase {
  name: string;
  ms: number;
}

const phases: Phase[] = [];

async function timed<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    phases.push({ name, ms: Date.now() - started });
    process.stdout.write(`e2e: ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

/**
 * Packages the extension with `npm run package` into the scratch folder: the platform package of this
 * machine (onnxruntime's binaries in it, so that local profiling runs), as a user of this platform installs.
 */
function packageVsix(scratch: string): string {
  const target = `${process.platform}-${process.arch}`;
  const vsix = join(scratch, `${manifest.name}-${manifest.version}-${target}.vsix`);
  const result = spawnSync(
    process.execPath,
    [join(repo, 'scripts', 'package.mjs'), '--target', target, '--out', vsix],
    {
      cwd: repo,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`npm run package failed:\n${result.stdout}\n${result.stderr}`);
  return vsix;
}

/** Bundles the extension-host suites into out/e2e (vscode and mocha stay external). */
async function bundleSuites(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  const suites = readdirSync(join(__dirname, 'suite')).filter((f) => f.endsWith('.e2e.ts') || f === 'index.ts');
  await build({
    entryPoints: suites.map((f) => join(__dirname, 'suite', f)),
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

/** Runs mocha suites in code-server's extension host; resolves with their outcomes. */
async function extensionTests(
  env: Environment,
  scratch: string,
  vsix: string,
  name: string,
  suites: string[],
  trustAll: boolean,
): Promise<Outcome[]> {
  const root = join(scratch, name);
  const dirs: CodeServerDirs = {
    scratch: root,
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
  };
  writeUserSettings(dirs.userData);
  installExtension(env, dirs, vsix);
  const workspace = buildWorkspace(join(root, 'workspace'));
  const config: RunConfig = {
    resultsFile: join(root, 'results.json'),
    timingsFile: join(scratch, 'timings.json'),
    workspace,
    suites,
  };
  writeFileSync(join(out, 'config.json'), JSON.stringify(config, null, 2));
  const server = await CodeServer.start(env, dirs, { trustAll, testDriver: true, env: { WATTLENS_E2E: '1' } });
  const context = await launchBrowser(env.chromium, join(root, 'chromium'));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let exitCode: number | undefined;
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      exitCode = code;
    });
    const installed = join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
    await page.goto(
      server.url(workspace, [
        ['extensionDevelopmentPath', server.remoteUri(installed)],
        ['extensionTestsPath', server.remoteUri(join(out, 'index.js'))],
      ]),
    );
    const deadline = Date.now() + 20 * 60_000;
    while (exitCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const outcomes: Outcome[] = existsSync(config.resultsFile)
      ? JSON.parse(readFileSync(config.resultsFile, 'utf8'))
      : [];
    if (exitCode === undefined)
      outcomes.push({
        title: `${name}: the test run finished`,
        state: 'failed',
        durationMs: 0,
        error: 'no exit code within 20 minutes',
      });
    else if (exitCode !== 0 && !outcomes.some((o) => o.state === 'failed'))
      outcomes.push({
        title: `${name}: the test run exited cleanly`,
        state: 'failed',
        durationMs: 0,
        error: `exit code ${exitCode}; see ${server.logFile}`,
      });
    if (!outcomes.length)
      outcomes.push({ title: `${name}: tests ran`, state: 'failed', durationMs: 0, error: 'no test reported' });
    return outcomes;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
}

/** Runs the browser checks against a fresh code-server and workspace. */
async function browserPhase(
  env: Environment,
  scratch: string,
  vsix: string,
  screenshots: string,
): Promise<CheckOutcome[]> {
  const root = join(scratch, 'browser');
  const dirs: CodeServerDirs = {
    scratch: root,
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
  };
  writeUserSettings(dirs.userData);
  installExtension(env, dirs, vsix);
  // No broken profile here: its warning would cover the screenshots (the extension-host suites test it).
  const workspace = buildWorkspace(join(root, 'workspace'), false);
  const server = await CodeServer.start(env, dirs, { trustAll: true, testDriver: false });
  const context = await launchBrowser(env.chromium, join(root, 'chromium'));
  try {
    return await browserChecks(context, server, workspace, screenshots);
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Prints the timings the suites recorded and VS Code's activation figures. */
function timingReport(scratch: string, vsix: string): Record<string, unknown> {
  const file = join(scratch, 'timings.json');
  const timings = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { samples: number[]; unit: string; note: string }>)
    : {};
  const lines = ['', 'e2e timing report (medians; min–max over the samples)'];
  for (const [name, t] of Object.entries(timings)) {
    lines.push(
      `  ${name}: ${median(t.samples).toFixed(1)} ${t.unit} (${Math.min(...t.samples).toFixed(1)}–${Math.max(...t.samples).toFixed(1)}, n=${t.samples.length})${t.note ? ` — ${t.note}` : ''}`,
    );
  }
  const vsixMB = statSync(vsix).size / 1e6;
  lines.push(`  .vsix: ${vsixMB.toFixed(2)} MB`);
  lines.push(`  cost: ${phases.map((p) => `${p.name} ${(p.ms / 1000).toFixed(1)} s`).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return { timings, vsixBytes: statSync(vsix).size, phases };
}

async function main(): Promise<number> {
  if (process.env.WATTLENS_E2E === 'skip') {
    process.stdout.write('e2e: SKIPPED because WATTLENS_E2E=skip; the real-VS-Code suite did not run.\n');
    return 0;
  }
  const started = Date.now();
  const timer = setTimeout(() => {
    process.stderr.write(`e2e: the run passed its limit of ${RUN_LIMIT_MS / 60_000} minutes; stopping\n`);
    process.exit(1);
  }, RUN_LIMIT_MS);
  timer.unref();
  const updateDocs = process.argv.includes('--update-docs');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const env = await timed('setup (apt, Node 24, code-server; cached)', () => ensureEnvironment());
  const scratch = mkdtempSync(join(tmpdir(), 'wattlens-e2e-'));
  const screenshots = join(repo, 'out', 'e2e-screenshots');
  const vsix = await timed('npm run package', () => packageVsix(scratch));
  await timed('bundle the suites', () => bundleSuites());
  const outcomes: Outcome[] = [];
  if (!only || only === 'untrusted')
    outcomes.push(
      ...(await timed('extension host, untrusted workspace', () =>
        extensionTests(env, scratch, vsix, 'untrusted', ['untrusted'], false),
      )),
    );
  if (!only || only === 'trusted')
    outcomes.push(
      ...(await timed('extension host, trusted workspace', () =>
        extensionTests(env, scratch, vsix, 'trusted', ['features', 'panel', 'notebook', 'robustness'], true),
      )),
    );
  if (!only || only === 'browser')
    outcomes.push(...(await timed('browser checks', () => browserPhase(env, scratch, vsix, screenshots))));
  const report = timingReport(scratch, vsix);
  mkdirSync(join(repo, 'out'), { recursive: true });
  writeFileSync(join(repo, 'out', 'e2e-report.json'), JSON.stringify({ outcomes, ...report }, null, 2));
  const failed = outcomes.filter((o) => o.state === 'failed');
  const passed = outcomes.filter((o) => o.state === 'passed').length;
  for (const f of failed) process.stdout.write(`\nFAILED ${f.title}\n${f.error ?? ''}\n`);
  process.stdout.write(
    `\ne2e: ${passed} passed, ${failed.length} failed in ${((Date.now() - started) / 1000).toFixed(0)} s (screenshots in out/e2e-screenshots)\n`,
  );
  if (updateDocs && !failed.length) {
    mkdirSync(join(repo, 'docs', 'images'), { recursive: true });
    for (const name of ['hints.png', 'panel-notebook.png'])
      copyFileSync(join(screenshots, name), join(repo, 'docs', 'images', name));
    process.stdout.write('e2e: copied the screenshots to docs/images/\n');
  }
  if (!process.argv.includes('--keep')) rmSync(scratch, { recursive: true, force: true });
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`e2e: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
