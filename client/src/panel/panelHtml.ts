// The profiling panel's HTML shell: a strict Content-Security-Policy (no inline script or style, the one
// script allowed by a fresh nonce), the bundled stylesheet and script, and nothing from user code —
// the webview script fills the page from the server's data with text nodes only.
import { randomBytes } from 'node:crypto';

/** What the shell needs: the webview's CSP source and the URIs of the bundled script and stylesheet. */
export interface ShellResources {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** The page title ("WattLens: model.py"; escaped here: it holds a file name). */
  title: string;
  /** The document's name, shown until the first report arrives. */
  document: string;
}

/** A nonce of 128 random bits, base64 (fresh for every page). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The Content-Security-Policy of the page: nothing but the nonce'd script, the stylesheet and data: images. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The page. */
export function panelHtml(resources: ShellResources, nonce: string = makeNonce()): string {
  const csp = contentSecurityPolicy(resources.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(resources.styleUri)}">
<title>${escapeText(resources.title)}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="muted">WattLens is analysing ${escapeText(resources.document)}…</p></main>
<script nonce="${escapeAttribute(nonce)}" src="${escapeAttribute(resources.scriptUri)}"></script>
</body>
</html>`;
}

/** Escapes text for an HTML text node. */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** Escapes text for a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
