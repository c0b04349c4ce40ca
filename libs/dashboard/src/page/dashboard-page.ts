/** Who serves the page, for its title and heading. */
export interface PageIdentity {
  readonly kmeId: string;
  readonly role: 'master' | 'slave';
  readonly peerKmeId: string;
}

/**
 * What the page may load: its own scripts, styles and data, nothing inline, nothing from
 * elsewhere (no CDN: the KME serves uPlot itself), and no framing.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The dashboard page: a skeleton that dashboard.js fills from `dashboard/data` twice a second.
 * Paths are relative, so that the page also works behind a proxy that adds a path prefix.
 */
export function dashboardPage({ kmeId, role, peerKmeId }: PageIdentity): string {
  const id = escapeHtml(kmeId);
  const peer = escapeHtml(peerKmeId);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${id} (${role} KME): QKD link dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard/assets/uPlot.min.css">
<link rel="stylesheet" href="dashboard/assets/dashboard.css">
<script src="dashboard/assets/uPlot.iife.min.js" defer></script>
<script src="dashboard/assets/dashboard.js" defer></script>
</head>
<body data-kme-id="${id}" data-peer-kme-id="${peer}" data-role="${role}">
<header>
  <h1>QKD link dashboard <small>${id}, the ${role} KME, linked with ${peer}</small></h1>
  <p class="connection" id="connection" data-testid="connection">connecting&hellip;</p>
</header>
<main>
  <section class="row" aria-label="Key pools">
    <article class="card kme" id="kme-self" data-testid="pool-${id}"></article>
    <article class="card kme" id="kme-peer" data-testid="pool-${peer}"></article>
    <article class="card link" id="link" aria-label="Simulated QKD link"></article>
  </section>
  <section class="card controls" id="controls" aria-label="Fault controls" hidden></section>
  <section class="row charts">
    <figure class="card chart"><figcaption>Key pool of each KME (bits)</figcaption><div id="chart-pools"></div></figure>
    <figure class="card chart"><figcaption>Secret key rate (bit/s) and QBER (%)</figcaption><div id="chart-link"></div></figure>
    <figure class="card chart"><figcaption>Keys delivered and errors per second</figcaption><div id="chart-traffic"></div></figure>
  </section>
  <section class="row">
    <article class="card" aria-label="Errors by status code"><h2>Errors by status code</h2><div id="errors" data-testid="errors"></div></article>
    <article class="card events" aria-label="Recent events"><h2>Recent events</h2><ol id="events" data-testid="events"></ol></article>
  </section>
</main>
<footer>No key material and no key IDs are shown here. ETSI GS QKD 014 API: <a href="api/docs">api/docs</a>.</footer>
</body>
</html>
`;
}
