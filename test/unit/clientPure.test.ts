// The extension's logic that needs no VS Code: the crash policy (restart, but give up on a crash loop),
// the checks on messages in both directions between the panel and the extension, and the panel's HTML
// shell (strict Content-Security-Policy with a fresh nonce, nothing unescaped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashPolicy } from '../../client/src/crashPolicy';
import { parseFromWebview } from '../../client/src/panel/messages';
import { contentSecurityPolicy, escapeAttribute, makeNonce, panelHtml } from '../../client/src/panel/panelHtml';
import { parseToWebview } from '../../client/webview/validate';

test('the crash policy restarts three times within three minutes, then gives up; old crashes age out', () => {
  let now = 0;
  const policy = new CrashPolicy({ maxCrashes: 4, windowMs: 180_000 }, () => now);
  assert.deepEqual(
    [0, 1, 2].map(() => {
      now += 10_000;
      return policy.crashed().restart;
    }),
    [true, true, true],
  );
  now += 10_000;
  const fourth = policy.crashed();
  assert.equal(fourth.restart, false);
  assert.match(fourth.message, /stopped 4 times in 3 minutes/);
  policy.reset();
  assert.equal(policy.crashed().restart, true, 'Restart Server forgets the earlier crashes');
  now += 200_000;
  assert.deepEqual([policy.crashed().restart, policy.crashed().restart, policy.crashed().restart], [true, true, true]);
  now += 181_000;
  assert.equal(policy.crashed().restart, true, 'crashes older than the window no longer count');
});

test('messages from the webview are typed or rejected with a reason', () => {
  const location = { uri: 'file:///m.py', range: { start: { line: 1, character: 0 }, end: { line: 1, character: 4 } } };
  assert.deepEqual(parseFromWebview({ type: 'reveal', location }), { type: 'reveal', location });
  assert.deepEqual(parseFromWebview({ type: 'apply', index: 2, title: 'x' }), { type: 'apply', index: 2, title: 'x' });
  assert.deepEqual(parseFromWebview({ type: 'export', format: 'csv' }), { type: 'export', format: 'csv' });
  const bad: unknown[] = [
    null,
    'ready',
    [],
    { type: 42 },
    {
      type: 'reveal',
      location: { uri: 'x', range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } },
    },
    { type: 'apply', index: 1.5, title: 'x' },
    { type: 'apply', index: 0 },
    { type: 'compare', model: 'M', a: { hardware: 'x', precision: 'fp64' }, b: { hardware: 'y', precision: 'fp32' } },
    { type: 'export', format: 'xlsx' },
    { type: 'rendered', version: 1, layers: 2, ms: Number.NaN },
    { type: '<script>' },
  ];
  for (const message of bad) assert.equal(typeof parseFromWebview(message), 'string', JSON.stringify(message));
  assert.match(parseFromWebview({ type: 'x'.repeat(500) }) as string, /^unknown message type 'x{40}'$/);
});

test('messages into the webview: a malformed report is rejected with a reason, a good one passes', () => {
  const report = {
    uri: 'file:///m.py',
    version: 3,
    models: [{ name: 'M', layers: [{ path: 'fc', op: 'Linear' }], totals: {} }],
    advice: [],
    cells: [],
    settings: {},
  };
  const good = { type: 'report', report, focusCell: null, profiles: [] };
  assert.equal(parseToWebview(good), good);
  const broken = [
    { ...good, report: { ...report, models: 'many' } },
    { ...good, report: { ...report, models: [{ name: 'M', layers: [{ path: 1 }], totals: {} }] } },
    { ...good, report: { ...report, version: '3' } },
    { ...good, profiles: undefined },
    { type: 'applied', title: 'x' },
    { type: 'error' },
    { type: 'compare', result: 'nope' },
    undefined,
  ];
  for (const message of broken) assert.equal(typeof parseToWebview(message), 'string', JSON.stringify(message));
});

test("the panel's page allows only its nonce'd script and its stylesheet, and escapes the document's name", () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(makeNonce(), nonce, 'a fresh nonce for every page');
  const csp = contentSecurityPolicy('https://webview.example', nonce);
  assert.match(csp, /^default-src 'none'; /);
  assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
  assert.ok(!/unsafe-inline|unsafe-eval/.test(csp));
  const html = panelHtml(
    {
      cspSource: 'https://webview.example',
      scriptUri: 'https://webview.example/dist/webview.js',
      styleUri: 'https://webview.example/dist/webview.css',
      title: 'WattLens: <img src=x onerror=alert(1)>.py',
      document: '</script><script>alert(2)</script>.py',
    },
    nonce,
  );
  assert.equal(html.match(/<script/g)?.length, 1, 'one script element: ours');
  assert.ok(
    html.includes(`<script nonce="${escapeAttribute(nonce)}" src="https://webview.example/dist/webview.js"></script>`),
  );
  assert.ok(!html.includes('<img'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));
  assert.ok(!/ on[a-z]+=/.test(html.replace(/&lt;img src=x onerror=alert\(1\)&gt;/g, '')), 'no inline handlers');
});
