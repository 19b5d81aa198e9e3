// "Select all" for the bulk approval of the review queue; delegated, so it keeps working after
// htmx swaps the table.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches || !box.matches("[data-select-all]")) return;
  var form = box.closest("form");
  if (!form) return;
  form.querySelectorAll('input[name="ids"]').forEach(function (item) {
    item.checked = box.checked;
  });
});
