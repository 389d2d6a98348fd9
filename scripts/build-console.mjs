#!/usr/bin/env node
// Bundles the web console (console/src) into dist/console/: index.html and hashed
// assets under assets/ (served by src/console/static.ts at /console/).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist/console');
const assets = path.join(out, 'assets');
rmSync(assets, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  entryPoints: [path.join(root, 'console/src/main.tsx')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((f) => path.basename(f));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js) throw new Error('build-console: esbuild wrote no script');

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Nimbus console</title>
${css ? `<link rel="stylesheet" href="/console/assets/${css}">\n` : ''}<script type="module" src="/console/assets/${js}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;
writeFileSync(path.join(out, 'index.html'), html);
console.log(`console: dist/console/index.html, assets/${js}${css ? `, assets/${css}` : ''}`);
