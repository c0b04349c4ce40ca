import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DASHBOARD_SCRIPT } from './dashboard-script';
import { DASHBOARD_STYLE } from './dashboard-style';

/** A file the page loads, served from memory. */
export interface StaticAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/** Resolved from here at run time: from dist/ in a build, from the sources under ts-node/jest. */
const resolveModule = createRequire(__filename).resolve;

/**
 * The page's scripts and styles by name. uPlot (about 50 kB minified) comes from its npm package
 * in node_modules, read once at start: the KME serves it itself, as machines running it may be
 * offline. A name not in this map is a 404, so no request reaches the file system.
 */
export function loadStaticAssets(): ReadonlyMap<string, StaticAsset> {
  const uplot = (file: string): Buffer => readFileSync(resolveModule(`uplot/dist/${file}`));
  return new Map<string, StaticAsset>([
    [
      'uPlot.iife.min.js',
      { contentType: 'text/javascript; charset=utf-8', body: uplot('uPlot.iife.min.js') },
    ],
    ['uPlot.min.css', { contentType: 'text/css; charset=utf-8', body: uplot('uPlot.min.css') }],
    [
      'dashboard.js',
      { contentType: 'text/javascript; charset=utf-8', body: Buffer.from(DASHBOARD_SCRIPT) },
    ],
    [
      'dashboard.css',
      { contentType: 'text/css; charset=utf-8', body: Buffer.from(DASHBOARD_STYLE) },
    ],
  ]);
}
