/* tongbu pickers: choose a record by name, search as you type (web/ui/pick.py).
   Without this file the picker is a list and a Search button; with it, a text box over
   GET /pick/<kind> fills the same field (the <select>, hidden) with the chosen id. A picker
   of several records (.picker-several) keeps its chosen records as ticked boxes; the text
   box adds a ticked box for each record picked.
   Events are delegated, so rows added by app.js get working pickers too. */
(function () {
  "use strict";
  var seq = 0;

  // The no-JavaScript part gives way: hidden, and its inputs no longer sent.
  function retire(part) {
    if (!part) return;
    part.hidden = true;
    part.querySelectorAll("input, button").forEach(function (el) { el.disabled = true; });
  }

  function several(box) {
    return box.classList.contains("picker-several");
  }

  function enhance(box) {
    if (box.querySelector(".pick-box")) return;
    var select = box.querySelector("select");
    var search = box.querySelector(".pick-search");
    if (several(box)) return enhanceSeveral(box, search);
    if (!select) return;
    var wrap = searchBox(box);
    var input = wrap.querySelector("input");
    // The label names the text box now; the select keeps the value and is sent.
    input.id = select.id;
    select.id = select.id + "-value";
    ["aria-invalid", "aria-describedby"].forEach(function (a) {
      if (select.hasAttribute(a)) input.setAttribute(a, select.getAttribute(a));
    });
    if (select.value) input.value = select.options[select.selectedIndex].text.split(" · ")[0];
    select.hidden = true;
    select.tabIndex = -1;
    retire(search);
    select.before(wrap);
  }

  function searchBox(box) {
    seq += 1;
    var wrap = document.createElement("div");
    wrap.className = "pick-box";
    var input = document.createElement("input");
    input.type = "text";
    input.className = "pick-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    input.placeholder = box.getAttribute("data-pick-label") || "";
    var list = document.createElement("ul");
    list.className = "pick-list";
    list.id = "pick-list-" + seq;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);
    wrap.appendChild(input);
    wrap.appendChild(list);
    return wrap;
  }

  function enhanceSeveral(box, search) {
    var wrap = searchBox(box);
    var input = wrap.querySelector("input");
    var offer = box.querySelector(".pick-offer");
    if (search) {
      var q = search.querySelector("input[type=search]");
      if (q) {
        input.id = q.id; // the field's label names the text box now
        q.id = q.id + "-search";
        ["aria-invalid", "aria-describedby"].forEach(function (a) {
          if (q.hasAttribute(a)) input.setAttribute(a, q.getAttribute(a));
        });
      }
    }
    retire(search);
    retire(offer);
    box.appendChild(wrap);
  }

  function addChosen(box, id, name, detail) {
    var chosen = box.querySelector(".pick-chosen");
    var boxes = chosen.querySelectorAll("input[type=checkbox]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].value === id) {
        boxes[i].checked = true;
        return;
      }
    }
    var li = document.createElement("li");
    var label = document.createElement("label");
    var tick = document.createElement("input");
    tick.type = "checkbox";
    tick.name = box.getAttribute("data-pick-name");
    tick.value = id;
    tick.checked = true;
    label.appendChild(tick);
    label.appendChild(document.createTextNode(" " + name));
    if (detail) {
      var span = document.createElement("span");
      span.className = "pick-detail";
      span.textContent = detail;
      label.appendChild(span);
    }
    li.appendChild(label);
    chosen.appendChild(li);
    var none = box.querySelector(".pick-none-chosen");
    if (none) none.hidden = true;
  }

  function parts(input) {
    var box = input.closest(".picker");
    return { box: box, list: box.querySelector(".pick-list"), select: box.querySelector("select") };
  }

  function close(input) {
    var p = parts(input);
    p.list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(input, data) {
    var p = parts(input);
    var zh = p.box.getAttribute("data-pick-lang") === "zh";
    p.list.textContent = "";
    data.results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = p.list.id + "-" + i;
      li.setAttribute("data-id", String(r.id));
      li.setAttribute("data-name", r.name);
      li.textContent = r.name;
      var detail = zh ? (r.detail[0] || r.detail[1]) : (r.detail[1] || r.detail[0]);
      if (detail) {
        var span = document.createElement("span");
        span.className = "pick-detail";
        span.textContent = detail;
        li.appendChild(span);
      }
      p.list.appendChild(li);
    });
    var note = !data.results.length ? "data-pick-none" : (data.more ? "data-pick-more" : null);
    if (note) {
      var li2 = document.createElement("li");
      li2.className = "pick-note";
      li2.textContent = p.box.getAttribute(note);
      p.list.appendChild(li2);
    }
    p.list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function lookup(input) {
    var p = parts(input);
    var url = p.box.getAttribute("data-pick-url") + "?q=" + encodeURIComponent(input.value.trim());
    var near = p.box.getAttribute("data-pick-near");
    if (near) url += "&near=" + encodeURIComponent(near);
    var asked = input.value;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && input.value === asked && document.activeElement === input) show(input, data);
      })
      .catch(function () { /* the list stays as it was */ });
  }

  function choose(input, li) {
    var p = parts(input);
    var id = li.getAttribute("data-id");
    if (several(p.box)) {
      var detail = li.querySelector(".pick-detail");
      addChosen(p.box, id, li.getAttribute("data-name"), detail ? detail.textContent : "");
      input.value = "";
      close(input);
      p.list.textContent = ""; // the next search starts from an empty list
      return;
    }
    var option = Array.prototype.find.call(p.select.options, function (o) { return o.value === id; });
    if (!option) {
      option = new Option(li.textContent, id);
      p.select.appendChild(option);
    }
    p.select.value = id;
    p.select.dispatchEvent(new Event("change", { bubbles: true }));
    input.value = li.getAttribute("data-name");
    close(input);
  }

  function move(input, step) {
    var p = parts(input);
    var items = Array.prototype.slice.call(p.list.querySelectorAll("li[role=option]"));
    if (!items.length) return;
    var at = items.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    var next = at < 0 ? (step > 0 ? 0 : items.length - 1) : (at + step + items.length) % items.length;
    items.forEach(function (li, i) { li.setAttribute("aria-selected", i === next ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[next].id);
    items[next].scrollIntoView({ block: "nearest" });
  }

  var timer = null;
  document.addEventListener("input", function (ev) {
    var input = ev.target;
    if (!input.classList || !input.classList.contains("pick-input")) return;
    var select = parts(input).select;
    if (select && !several(parts(input).box)) select.value = ""; // nothing chosen until a name is
    clearTimeout(timer);
    timer = setTimeout(function () { lookup(input); }, 200);
  });
  document.addEventListener("focusin", function (ev) {
    var input = ev.target;
    if (input.classList && input.classList.contains("pick-input") && !input.value) lookup(input);
  });
  document.addEventListener("focusout", function (ev) {
    var input = ev.target;
    if (input.classList && input.classList.contains("pick-input")) {
      setTimeout(function () { close(input); }, 150);
    }
  });
  document.addEventListener("keydown", function (ev) {
    var input = ev.target;
    if (!input.classList || !input.classList.contains("pick-input")) return;
    var list = parts(input).list;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (list.hidden) lookup(input);
      else move(input, ev.key === "ArrowDown" ? 1 : -1);
    } else if (ev.key === "Enter" && !list.hidden) {
      var active = list.querySelector("li[aria-selected=true]");
      if (active) {
        ev.preventDefault();
        choose(input, active);
      }
    } else if (ev.key === "Escape" && !list.hidden) {
      ev.preventDefault();
      close(input);
    }
  });
  document.addEventListener("mousedown", function (ev) {
    var li = ev.target.closest && ev.target.closest(".pick-list li[role=option]");
    if (!li) return;
    ev.preventDefault(); // keep the focus in the box
    choose(li.closest(".picker").querySelector(".pick-input"), li);
  });

  document.querySelectorAll(".picker").forEach(enhance);
})();
