/* tongbu: JavaScript only improves; every action works without it. */
(function () {
  "use strict";

  // Filters: choosing a value in a select applies it at once (the Search button still works).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { if (sel.form) sel.form.submit(); });
  });

  // Repeated rows: add a row in the page instead of a round trip to the server.
  document.querySelectorAll("button[data-add-row]").forEach(function (btn) {
    btn.addEventListener("click", function (ev) {
      var box = btn.closest("fieldset.rows");
      var rows = box ? box.querySelectorAll(":scope > fieldset.row") : [];
      if (!rows.length) return; // fall back to the server
      ev.preventDefault();
      var last = rows[rows.length - 1];
      var name = btn.getAttribute("data-add-row");
      var oldIndex = last.getAttribute("data-row");
      var newIndex = String(Number(oldIndex) + 1);
      var copy = last.cloneNode(true);
      copy.setAttribute("data-row", newIndex);
      var from = name + "." + oldIndex + ".";
      var to = name + "." + newIndex + ".";
      copy.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(from, to);
        if (el.id) el.id = el.id.replace(from.replace(/\./g, "-"), to.replace(/\./g, "-"));
        if (el.type === "checkbox") el.checked = false;
        else if (el.tagName === "SELECT") el.selectedIndex = 0;
        else el.value = "";
        el.removeAttribute("aria-invalid");
      });
      copy.querySelectorAll("label[for]").forEach(function (el) {
        el.htmlFor = el.htmlFor.replace(from.replace(/\./g, "-"), to.replace(/\./g, "-"));
      });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      var legend = copy.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(rows.length + 1));
      last.after(copy);
      var first = copy.querySelector("input, select, textarea");
      if (first) first.focus();
    });
  });

  // The first field with an error gets the focus.
  var bad = document.querySelector("[aria-invalid=true]");
  if (bad) bad.focus();
})();
