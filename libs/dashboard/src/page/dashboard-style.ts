/** The page's own styles (uPlot brings its own, uPlot.min.css). */
export const DASHBOARD_STYLE = `
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f8fa; }
header, main, footer { max-width: 1400px; margin: 0 auto; padding: 8px 16px; }
header { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: 8px; }
h1 { font-size: 20px; margin: 8px 0; }
h1 small { font-weight: normal; color: var(--muted); font-size: 14px; margin-left: 8px; }
h2 { font-size: 15px; margin: 0 0 8px; }
.connection { margin: 0; color: var(--muted); }
.connection.lost { color: var(--bad); font-weight: 600; }
.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; margin-bottom: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; margin: 0; min-width: 0; }
.kme .title { display: flex; justify-content: space-between; font-weight: 600; margin-bottom: 6px; }
.kme.stale { opacity: 0.6; }
.pool-level { font-size: 18px; font-variant-numeric: tabular-nums; }
.bar { height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; margin: 6px 0 8px; }
.bar > span { display: block; height: 100%; background: #0969da; transition: width 0.3s; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; }
.state-ok { color: var(--ok); font-weight: 600; }
.state-bad { color: var(--bad); font-weight: 600; }
.state-warn { color: var(--warn); font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; }
.badge.generating { background: var(--ok); }
.badge.aborted, .badge.channel_down { background: var(--bad); }
.badge.stopped, .badge.unknown { background: var(--muted); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 12px; }
.controls h2 { margin: 0 8px 0 0; }
.controls button { font: inherit; padding: 4px 12px; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
.controls button:disabled { opacity: 0.5; cursor: wait; }
.controls .outcome { color: var(--muted); }
.controls .outcome.failed { color: var(--bad); }
.chart figcaption { font-weight: 600; margin-bottom: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 2px 8px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
.events ol { list-style: none; margin: 0; padding: 0; max-height: 260px; overflow-y: auto; }
.events li { padding: 2px 0; border-bottom: 1px solid #eaeef2; }
.events time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: 6px; }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; }
`;
