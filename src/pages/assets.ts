/**
 * The pages' only static asset: one style sheet, kept in code so that the compiled package needs no asset
 * folder. Its URL carries a digest of its content, so it can be cached for a year and still change with a
 * release. There is no script: every page works as plain HTML forms.
 */
import { createHash } from 'node:crypto'

// Colours meet WCAG 2.1 AA contrast on their backgrounds (text 4.5:1 or more); focus is always visible.
const CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;line-height:1.5;color:#1b1b1b;background:#f4f5f7}
body{margin:0}
a{color:#0b4f9c}
a:hover{color:#06366b}
:focus-visible{outline:3px solid #0b4f9c;outline-offset:2px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
.skip{position:absolute;left:.5rem;top:-3rem;background:#fff;padding:.5rem 1rem;border:2px solid #0b4f9c;z-index:10}
.skip:focus{top:.5rem}
header.site{background:#0b2e59;color:#fff}
header.site .bar{max-width:60rem;margin:0 auto;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between}
header.site a{color:#fff}
header.site .name{font-weight:700;font-size:1.1rem;text-decoration:none}
nav.langs ul{list-style:none;margin:0;padding:0;display:flex;gap:.75rem}
nav.langs [aria-current]{font-weight:700;text-decoration:none}
main{max-width:60rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.75rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.3rem;margin:2rem 0 .75rem}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
.card{background:#fff;border:1px solid #d0d5dd;border-radius:.5rem;padding:1.25rem 1.5rem;margin:1rem 0}
.kicker{text-transform:uppercase;letter-spacing:.06em;font-size:.85rem;color:#4a5565;margin:0}
.card h2{margin-top:.25rem}
.holder{font-size:1.15rem;margin:.25rem 0 1rem}
dl.facts{display:grid;grid-template-columns:minmax(10rem,max-content) 1fr;gap:.4rem 1.25rem;margin:1rem 0}
dl.facts dt{font-weight:600;color:#374151}
dl.facts dd{margin:0}
@media (max-width:36rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.5rem}}
ul.outcomes{margin:.25rem 0 0;padding-left:1.25rem}
.badge{display:inline-block;border-radius:1rem;padding:.1rem .75rem;font-size:.9rem;font-weight:600;border:1px solid currentColor}
.badge.expired{color:#8a1414;background:#fde8e8}
.notice{border-left:4px solid #b45309;background:#fff7ed;color:#5c2d00;padding:.75rem 1rem;margin:1rem 0}
.error{border-left:4px solid #b91c1c;background:#fde8e8;color:#7a1010;padding:.75rem 1rem;margin:1rem 0}
.verdict{border-radius:.5rem;padding:1rem 1.25rem;margin:1rem 0;border:2px solid}
.verdict strong{font-size:1.25rem;display:block}
.verdict[data-verdict=verified]{background:#e7f5ec;color:#0d4d24;border-color:#1a7f3c}
.verdict[data-verdict=not-verified]{background:#fde8e8;color:#7a1010;border-color:#b91c1c}
.verdict[data-verdict=indeterminate]{background:#fff4e0;color:#5c3300;border-color:#b45309}
.verdict ul{margin:.5rem 0 0;padding-left:1.25rem}
.verdict-icon{font-weight:700;margin-right:.35rem}
table{border-collapse:collapse;width:100%;background:#fff}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{text-align:left;vertical-align:top;padding:.5rem .6rem;border-bottom:1px solid #d0d5dd}
td.st-pass{color:#0d4d24}
td.st-fail{color:#7a1010;font-weight:600}
td.st-indeterminate{color:#5c3300;font-weight:600}
td.st-skipped{color:#4a5565}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
.hint{color:#4a5565;font-size:.95rem;margin:.1rem 0 .35rem}
textarea,input[type=url],input[type=text],select{width:100%;font:inherit;padding:.5rem;border:1px solid #6b7280;border-radius:.35rem;background:#fff;color:#1b1b1b}
textarea{min-height:10rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
select{width:auto}
input[type=file]{display:block;width:100%;padding:1.5rem 1rem;border:2px dashed #6b7280;border-radius:.5rem;background:#f9fafb;font:inherit}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.55rem 1.25rem;border-radius:.35rem;border:2px solid #0b4f9c;background:#0b4f9c;color:#fff;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:#06366b;border-color:#06366b;color:#fff}
button.secondary{background:#fff;color:#0b4f9c}
button.secondary:hover{background:#e8f0fb;color:#06366b}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:1rem 0}
.inline{display:inline;margin:0}
.share-form{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;margin-bottom:1.25rem}
.share-form label{margin:0 0 .35rem}
.cols{display:grid;grid-template-columns:minmax(0,1fr) 12rem;gap:1.5rem;align-items:start;margin-top:1.5rem}
@media (max-width:40rem){.cols{grid-template-columns:1fr}}
figure.qr{margin:0;text-align:center}
figure.qr img{width:10rem;height:10rem;image-rendering:pixelated;border:1px solid #d0d5dd;background:#fff}
figure.qr figcaption{font-size:.9rem;color:#4a5565}
details summary{cursor:pointer;color:#0b4f9c;font-weight:600;margin:.5rem 0}
footer.site{max-width:60rem;margin:0 auto;padding:1rem;color:#4a5565;font-size:.9rem}
`.trim()

export const PAGES_CSS = `${CSS}\n`

/** The style sheet's file name: `pages.<first 12 hex digits of its SHA-256>.css`. */
export const PAGES_CSS_NAME = `pages.${createHash('sha256').update(PAGES_CSS).digest('hex').slice(0, 12)}.css`

/** Where pages link the style sheet. */
export const PAGES_CSS_PATH = `/assets/${PAGES_CSS_NAME}`
