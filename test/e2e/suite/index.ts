// The extension-host test runner code-server loads (extensionTestsPath): runs the mocha suites the
// driver asked for, writes each test's outcome and the timings to the files it named, and resolves or
// rejects so that the workbench reports the exit code through `codeAutomationExit`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** What the driver writes beside this bundle (out/e2e/config.json). */
export interface RunConfig {
  resultsFile: string;
  timingsFile: string;
  workspace: string;
  /** Which suite files to run (without extension), e.g. ["features", "panel"]. */
  suites: string[];
}

interface Outcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs: number;
  error?: string;
}

/** Called by the extension host. */
export function run(): Promise<void> {
  const config = JSON.parse(readFileSync(join(__dirname, 'config.json'), 'utf8')) as RunConfig;
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'dot' });
  for (const suite of config.suites) mocha.addFile(join(__dirname, `${suite}.e2e.js`));
  const outcomes: Outcome[] = [];
  const write = () => writeFileSync(config.resultsFile, JSON.stringify(outcomes, null, 2));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      write();
      if (failures > 0) reject(new Error(`${failures} end-to-end tests failed`));
      else resolve();
    });
    runner.on('pass', (test) => {
      outcomes.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
      process.stdout.write(`e2e: passed ${test.fullTitle()}\n`);
      write();
    });
    runner.on('fail', (test, error: Error) => {
      outcomes.push({
        title: test.fullTitle(),
        state: 'failed',
        durationMs: test.duration ?? 0,
        error: error?.stack ?? String(error),
      });
      process.stdout.write(`e2e: FAILED ${test.fullTitle()}: ${error?.message}\n`);
      write();
    });
    runner.on('pending', (test) => outcomes.push({ title: test.fullTitle(), state: 'pending', durationMs: 0 }));
  });
}
