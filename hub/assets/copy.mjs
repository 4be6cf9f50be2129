// Copies GOV.UK Frontend's script and assets (images only: no GDS Transport font files)
// into hub/static/govuk/, where the hub serves them, and the hub's own scripts (the
// warning before the idle sign-out; the focus kept on what a page says it did) into
// hub/static/.
import { cpSync, mkdirSync, rmSync } from "node:fs";

const from = "node_modules/govuk-frontend/dist/govuk";
const to = "hub/static/govuk";
rmSync(to, { recursive: true, force: true });
mkdirSync(`${to}/assets`, { recursive: true });
cpSync(`${from}/govuk-frontend.min.js`, `${to}/govuk-frontend.min.js`);
cpSync(`${from}/assets/images`, `${to}/assets/images`, { recursive: true });
console.log(`copied GOV.UK Frontend script and images to ${to}`);
cpSync("hub/assets/timeout-warning.mjs", "hub/static/timeout-warning.mjs");
cpSync("hub/assets/focus-kept.mjs", "hub/static/focus-kept.mjs");
console.log("copied the hub's timeout warning and focus keeping to hub/static");
