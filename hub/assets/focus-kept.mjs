// Runs after the layout's inline module has called govuk-frontend's initAll (module scripts
// run in the order of the page). Copied into hub/static/ by copy.mjs.
// initAll focuses a refused form's error summary, or the banner saying what was just done,
// so that a screen reader reads it out. The page's fragment (#main-content, kept by a form
// sent after the skip link; the section a saved form goes back to) is scrolled to later, as
// the page loads, and takes that focus away unread: give it back (WCAG 2.4.3 and 4.1.3).
const told = document.querySelector(".govuk-error-summary, .govuk-notification-banner[role=alert]");
if (told && location.hash) {
  addEventListener("load", () => {
    told.setAttribute("tabindex", "-1");
    told.focus();
  });
}
