/* The targets grid of a draft contract: each cell is saved by htmx as it is left (the page
   saves without it, as one form). A refused value (422) comes back as a cell to show, with the
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
