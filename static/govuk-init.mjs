// Initialise every GOV.UK Frontend component on the page. Loaded as a module from a static file
// because the CSP forbids inline scripts. Relative import keeps it working under any mount prefix.
import { initAll } from "./vendor/govuk-frontend.min.js";

initAll();

// Components inside fragments that htmx swaps in need initialising too; createAll-style scoping
// keeps already-initialised components from being initialised twice.
document.addEventListener("htmx:afterSettle", (event) => {
  const scope = event.detail && event.detail.elt;
  if (scope instanceof HTMLElement) {
    initAll({ scope });
  }
});
