#!/usr/bin/env node
// The `wattlens` command: runs the bundled CLI (built into dist/ by `npm run build`, which `npm ci` runs).
require('../dist/cli.js');
