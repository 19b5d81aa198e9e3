/* Kaohe data entry: checks as you type, live row totals, one request per cell, the history
   popup. Plain JavaScript besides htmx; the page saves without it (a form POST of the grid).

   The checks mirror kaohe.datavalues.importing.parse_value rule for rule and in the same
   order, and show the server's own messages (the form's data-checks); the server checks again
   on every save. tests/entry/test_grid_js.py runs both on the same inputs. */
(function () {
  "use strict";

  var NUMBER = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  var PARTS = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
  var YES_NO = ["1", "true", "是", "0", "false", "否"];
  var MAX_INTEGER_DIGITS = 14;

  // A number as Python's Decimal holds it: coefficient digits and exponent.
  function decimal(text) {
    var m = PARTS.exec(text);
    var fraction = m[3] || "";
    var digits = (m[2] + fraction).replace(/^0+/, "") || "0";
    return {
      negative: m[1] === "-" && digits !== "0",
      digits: digits,
      exponent: (m[4] ? parseInt(m[4], 10) : 0) - fraction.length
    };
  }

  function integral(d) {
    if (d.exponent >= 0) { return true; }
    return /^0*$/.test(d.digits.slice(Math.max(0, d.digits.length + d.exponent)));
  }

  /* Why ``text`` cannot be stored for a value of ``type`` (the name of the rule), or "". */
  function problem(text, type, original) {
    text = text.trim();
    if (!text) { return original ? "empty" : ""; }
    if (type === "yes_no") {
      return YES_NO.indexOf(text.toLowerCase()) >= 0 ? "" : "yes_no";
    }
    if (!NUMBER.test(text)) { return "number"; }
    var d = decimal(text);
    if (type === "integer") {
      if (!integral(d)) { return "whole"; }
      if (d.negative) { return "negative"; }
    } else if (type === "percentage" && (d.negative || aboveHundred(d))) {
      return "percentage";
    }
    return tooLarge(d) ? "large" : "";
  }

  // Exactly, digit by digit: floating point would let 100.0000000000000001 through.
  function aboveHundred(d) {
    if (d.digits === "0") { return false; }
    var adjusted = d.digits.length - 1 + d.exponent;
    if (adjusted !== 2) { return adjusted > 2; }
    return !((d.digits + "00").slice(0, 3) === "100" && /^0*$/.test(d.digits.slice(3)));
  }

  // Python: more than 14 digits before the point, or 14 nines that round up (half up, to 6
  // decimal places, the stored precision) to a 15th.
  function tooLarge(d) {
    if (d.digits.length - 1 + d.exponent >= MAX_INTEGER_DIGITS) { return true; }
    if (d.digits.length + d.exponent !== MAX_INTEGER_DIGITS) { return false; }
    var whole = d.digits.slice(0, MAX_INTEGER_DIGITS);
    var fraction = (d.digits.slice(MAX_INTEGER_DIGITS) + "0000000").slice(0, 7);
    return /^9+$/.test(whole) && fraction >= "9999995";
  }

  window.kaoheEntry = { problem: problem };

  var form = document.querySelector("[data-kaohe-grid]");
  if (!form) { return; }
  var messages = JSON.parse(form.getAttribute("data-checks") || "{}");

  function valueInput(td) { return td.querySelector("input[name^='v:']"); }

  function originalOf(td) {
    var o = td.querySelector("input[name^='o:']");
    return o ? o.value : "";
  }

  function typeOf(td) { return td.closest("tr").getAttribute("data-type") || "number"; }

  // Show (or clear) the message of a cell's own check beside it; true if the value is fine.
  function check(td) {
    var input = valueInput(td);
    if (!input) { return true; }
    var rule = problem(input.value, typeOf(td), originalOf(td));
    var box = td.querySelector(".kaohe-msg:not(.kaohe-conflict)");
    if (rule) {
      if (!box) {
        box = document.createElement("div");
        box.className = "kaohe-msg";
        box.id = td.id + "-m";
        box.setAttribute("role", "alert");
        td.appendChild(box);
      }
      box.textContent = messages[rule] || rule;
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", box.id);
    } else if (box) {
      box.remove();
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
    return !rule;
  }

  // The 合计 of a row of a sum element: the cells that hold a value the server would take.
  function total(tr) {
    var out = tr.querySelector("[data-total]");
    if (!out) { return; }
    var type = tr.getAttribute("data-type") || "number";
    var sum = 0;
    var any = false;
    tr.querySelectorAll("td[data-cell]").forEach(function (td) {
      var input = valueInput(td);
      var shown = td.querySelector("[data-v]");
      var text = (input ? input.value : shown ? shown.textContent : "").trim();
      if (text && !problem(text, type, "")) {
        sum += Number(text);
        any = true;
      }
    });
    out.textContent = any ? String(Math.round(sum * 1e6) / 1e6) : "";
  }

  form.addEventListener("input", function (event) {
    var td = event.target.closest("td[data-cell]");
    if (!td) { return; }
    check(td);
    total(td.closest("tr"));
  });

  // After a refused save the page holds what was typed: total that, not what is stored.
  form.querySelectorAll("tr[data-sums]").forEach(total);

  if (!window.htmx) { return; }

  // A refused value (422) and a conflict (409) come back as a cell to show, not as an error.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "409|422", swap: true },
    { code: "[45]..", swap: false, error: true }
  ];

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.matches && elt.matches("input[name^='v:']") && !check(elt.closest("td"))) {
      event.preventDefault(); // the message is already beside the cell
    }
  });

  // htmx posts the whole enclosing form; a cell sends only its own inputs.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var td = event.detail.elt.closest && event.detail.elt.closest("td[data-cell]");
    if (!td || event.detail.verb !== "post") { return; }
    var keep = {};
    td.querySelectorAll("input[name], button[name]").forEach(function (el) { keep[el.name] = true; });
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (!keep[name]) { delete params[name]; }
    });
  });

  // A saved cell (or one a note changed) may change its row's 合计.
  document.body.addEventListener("htmx:afterSettle", function () {
    form.querySelectorAll("tr[data-sums]").forEach(total);
  });

  // The history and note of a value in a popup instead of a page of its own.
  var modal = document.getElementById("details");
  form.addEventListener("click", function (event) {
    var link = event.target.closest("a.kaohe-more");
    if (!link || !modal || !window.bootstrap) { return; }
    event.preventDefault();
    var body = document.getElementById("details-body");
    body.textContent = "…";
    htmx.ajax("GET", link.getAttribute("href"), { target: body, swap: "innerHTML" });
    bootstrap.Modal.getOrCreateInstance(modal).show();
  });
})();
