// Helpers for the code-action tests: open a file and ask for the actions on one line, apply an
// action's edit to the text, and re-open edited text as a new document to check the server's answer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol/node';
import { applyEdits, type TestClient } from './client';

/** Opens `file` (or `text` under its name) once per client and returns the actions on `line` with the diagnostics there in context. */
export async function actionsAt(
  client: TestClient,
  file: string,
  line: number,
  text = readFileSync(file, 'utf8'),
  languageId = 'python',
): Promise<{ uri: string; text: string; actions: CodeAction[]; diags: Diagnostic[] }> {
  const uri = file.startsWith('file:') ? file : pathToFileURL(file).href;
  if (!client.diagnostics.has(uri))
    await client.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  const diags = await client.diagnosticsFor(uri);
  const actions = await client.codeActions(
    uri,
    { start: { line, character: 0 }, end: { line, character: 0 } },
    diags.filter((d) => d.range.start.line === line),
  );
  return { uri, text, actions, diags };
}

/** The 0-based line of the first line containing `needle` (fails the test when there is none). */
export function lineOf(text: string, needle: string): number {
  const line = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line contains ${needle}`);
  return line;
}

/** The text after applying the action's edit for `uri`. */
export function apply(uri: string, text: string, action: CodeAction): string {
  const edits = action.edit?.changes?.[uri];
  assert.ok(edits?.length, `action '${action.title}' has no edit for ${uri}`);
  return applyEdits(uri, text, edits);
}

/** The action whose title starts with (or matches) `title`, failing with every title offered when there is none. */
export function find(actions: CodeAction[], title: string | RegExp): CodeAction {
  const hit = actions.find((a) => (typeof title === 'string' ? a.title.startsWith(title) : title.test(a.title)));
  assert.ok(hit, `no action ${title}; offered:\n${actions.map((a) => a.title).join('\n')}`);
  return hit;
}

/** Opens edited text as a new document on `client` and returns its hints and diagnostics. */
export async function recheck(client: TestClient, name: string, text: string, ext = 'py') {
  const uri = `file:///edited/${name}.${ext}`;
  await client.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: ext === 'py' ? 'python' : 'typescript', version: 1, text },
  });
  const [hints, diags] = await Promise.all([client.inlayHints(uri), client.diagnosticsFor(uri)]);
  return { hints, diags };
}
