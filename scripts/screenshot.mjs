// Renders `wattlens analyze examples/resnet50.py` as it looks in a terminal into docs/screenshot-cli.svg
// (run after `npm run build`; the README shows the result).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const out = execFileSync(
  process.execPath,
  ['bin/wattlens.js', 'analyze', 'examples/resnet50.py', '--hardware', 'nvidia-t4'],
  { encoding: 'utf8' },
);
const lines = [
  '$ npx wattlens analyze examples/resnet50.py --hardware nvidia-t4',
  ...out.split('\n').slice(0, 22),
  '    ...',
];
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const width = 8.4 * Math.max(...lines.map((l) => l.length)) + 32;
const height = 18 * lines.length + 32;
const text = lines.map((l, i) => `<text x="16" y="${28 + i * 18}" xml:space="preserve">${esc(l)}</text>`).join('\n');
writeFileSync(
  'docs/screenshot-cli.svg',
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<rect width="100%" height="100%" rx="8" fill="#1e1e1e"/>
<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" fill="#d4d4d4">
${text}
</g>
</svg>
`,
);
