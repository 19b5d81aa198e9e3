/* The cross-check entry grid: each row is saved by htmx as a cell is changed (the page saves
   without it, as one form). A refused figure (422) comes back as a row to show, with the
   message beside it, not as an error. */
(function () {
  "use strict";
  if (!window.htmx) { return; }
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: false, error: true }
  ];
})();
