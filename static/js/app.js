// Tabs (WAI-ARIA tabs pattern), disclosure menus, the header's menu button and formset rows.
// No build step, no dependencies but htmx.
(function () {
  "use strict";

  // With JS the header's links fold behind the Menu button on narrow screens (app.css, under
  // `.js`); without JS the button stays hidden and the links stay shown.
  document.documentElement.classList.add("js");

  function activate(tab, focus) {
    const list = tab.closest('[role="tablist"]');
    list.querySelectorAll('[role="tab"]').forEach(function (t) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
    });
    if (focus) tab.focus();
    const panel = document.getElementById(tab.getAttribute("aria-controls"));
    if (window.htmx && panel.hasAttribute("hx-get")) window.htmx.trigger(panel, "tab-opened");
    if (tab.dataset.tab) history.replaceState(history.state, "", "#" + tab.dataset.tab);
    markScrollers();
  }

  document.addEventListener("click", function (event) {
    const tab = event.target.closest('[role="tab"]');
    if (tab) activate(tab, false);
    const add = event.target.closest("[data-formset-add]");
    if (add) addFormsetRow(add.closest("[data-formset]"));
    const menuButton = event.target.closest("[data-menu-button]");
    document.querySelectorAll("[data-menu-button][aria-expanded='true']").forEach(function (b) {
      if (b !== menuButton) toggleMenu(b, false);
    });
    if (menuButton) toggleMenu(menuButton, menuButton.getAttribute("aria-expanded") !== "true");
    const navToggle = event.target.closest("[data-nav-toggle]");
    if (navToggle) toggleNav(navToggle, navToggle.getAttribute("aria-expanded") !== "true");
  });

  // The header's Menu button (narrow screens): shows and hides the navigation and user menu.
  function toggleNav(button, open) {
    button.setAttribute("aria-expanded", String(open));
    document.getElementById(button.getAttribute("aria-controls")).classList.toggle("open", open);
  }

  // A disclosure menu ("Actions"): a button that shows and hides a list of real buttons and links.
  function toggleMenu(button, open) {
    button.setAttribute("aria-expanded", String(open));
    const list = document.getElementById(button.getAttribute("aria-controls"));
    list.hidden = !open;
    if (open) keepInWindow(list);
  }

  // A menu's list hangs from its button's right edge; where that would run off the window's
  // left edge (a narrow screen, the button on the left) it hangs from the left edge, and where
  // that runs off the right it moves left until it fits (its max-width is the window's).
  function keepInWindow(list) {
    const margin = 8;
    list.classList.remove("from-left");
    list.style.transform = "";
    let box = list.getBoundingClientRect();
    if (box.left < margin) {
      list.classList.add("from-left");
      box = list.getBoundingClientRect();
    }
    const over = box.right - (document.documentElement.clientWidth - margin);
    if (over > 0) list.style.transform = "translateX(" + -Math.min(over, box.left - margin) + "px)";
  }

  function menuItems(button) {
    const list = document.getElementById(button.getAttribute("aria-controls"));
    return Array.from(list.querySelectorAll(".menu-item")).filter(function (item) {
      return !item.disabled;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("[data-menu-button][aria-expanded='true']").forEach(function (b) {
      toggleMenu(b, false);
      b.focus();
    });
    document.querySelectorAll("[data-nav-toggle][aria-expanded='true']").forEach(function (b) {
      toggleNav(b, false);
      b.focus();
    });
  });

  // Arrow keys in a disclosure menu: ArrowDown (or ArrowUp) on its button opens it and moves
  // focus to its first (last) item; within the items they move up and down, Home and End jump.
  document.addEventListener("keydown", function (event) {
    if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(event.key)) return;
    const button = event.target.closest("[data-menu-button]");
    if (button) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const items = menuItems(button);
      if (!items.length) return;
      event.preventDefault();
      toggleMenu(button, true);
      items[event.key === "ArrowDown" ? 0 : items.length - 1].focus();
      return;
    }
    const item = event.target.closest(".menu-item");
    const menu = item && item.closest(".menu");
    const owner = menu && menu.querySelector("[data-menu-button]");
    if (!owner) return;
    const items = menuItems(owner);
    let i = items.indexOf(item);
    if (event.key === "ArrowDown") i = (i + 1) % items.length;
    if (event.key === "ArrowUp") i = (i - 1 + items.length) % items.length;
    if (event.key === "Home") i = 0;
    if (event.key === "End") i = items.length - 1;
    event.preventDefault();
    items[i].focus();
  });

  document.addEventListener("keydown", function (event) {
    const tab = event.target.closest('[role="tab"]');
    if (!tab || !["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const tabs = Array.from(tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
    let i = tabs.indexOf(tab);
    if (event.key === "ArrowLeft") i = (i - 1 + tabs.length) % tabs.length;
    if (event.key === "ArrowRight") i = (i + 1) % tabs.length;
    if (event.key === "Home") i = 0;
    if (event.key === "End") i = tabs.length - 1;
    event.preventDefault();
    activate(tabs[i], true);
  });

  function addFormsetRow(fieldset) {
    const prefix = fieldset.dataset.formset;
    const total = fieldset.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    const index = Number(total.value);
    const html = fieldset.querySelector("template[data-formset-empty]").innerHTML
      .replace(/__prefix__/g, String(index))
      .replace(/\(line new\)/g, "(line " + (index + 1) + ")")
      .replace(/Remove line new/g, "Remove line " + (index + 1));
    const body = fieldset.querySelector("[data-formset-body]");
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    // The new row's htmx attributes (the invoice composer's item picker) are live too.
    if (window.htmx) window.htmx.process(body.lastElementChild);
  }

  // A request of a tab panel loaded with htmx (the Xero tab) that fails never leaves the tab on
  // "Loading Xero…" or on half-done content: an error answer (4xx, 5xx) that is not one of the
  // app's own panels, no answer at all (network error) or a timeout replaces the panel with what
  // went wrong and a Try again button that loads the tab afresh. An answer that is a panel (the
  // app's own message, whatever its status) is shown as it is.
  const REQUEST_TIMEOUT_MS = 90000; // longer than the server's own limit (gunicorn: 75 s)
  if (window.htmx && !window.htmx.config.timeout) window.htmx.config.timeout = REQUEST_TIMEOUT_MS;

  // The Xero tab pushes each view of its lists (sort, filter, page) into the history as the
  // record page's URL; its panel is never kept in the session's history cache (hx-history="false":
  // Xero's figures stay out of sessionStorage), so Back and Forward load that URL afresh.
  if (window.htmx) window.htmx.config.refreshOnHistoryMiss = true;

  function loadedPanel(elt) {
    return elt && elt.closest ? elt.closest('[role="tabpanel"][hx-get]') : null;
  }

  function statusWords(status) {
    if (status === 401 || status === 403) {
      return "the server refused it (HTTP " + status + "); your session may have ended, so reload the page";
    }
    if (status === 404) return "the server did not find it (HTTP 404)";
    if (status === 429) return "too many requests (HTTP 429); wait a moment";
    if (status === 502 || status === 503 || status === 504) {
      return "the server is unavailable or did not answer in time (HTTP " + status + ")";
    }
    if (status >= 500) return "something went wrong on the server (HTTP " + status + ")";
    return "the server could not do it (HTTP " + status + ")";
  }

  function showFailure(detail, reason) {
    const panel = loadedPanel(detail.elt);
    if (!panel) return false;
    const verb = ((detail.requestConfig && detail.requestConfig.verb) || "get").toLowerCase();
    const words = verb === "get"
      ? "The Xero tab could not be loaded: " + reason + "."
      : "That did not go through: " + reason + ". Try again shows the tab as it is now.";
    const hadFocus = panel.contains(document.activeElement);
    const box = document.createElement("div");
    box.className = "xero-panel";
    box.id = "xero-panel";
    box.dataset.testid = "xero-panel";
    box.setAttribute("hx-target", "this");
    box.setAttribute("hx-swap", "outerHTML");
    const note = document.createElement("div");
    note.className = "note error";
    note.setAttribute("role", "alert");
    note.dataset.testid = "xero-request-failed";
    const text = document.createElement("p");
    text.textContent = words;
    note.appendChild(text);
    const retry = document.createElement("button");
    retry.type = "button";
    retry.className = "button";
    retry.setAttribute("hx-get", panel.getAttribute("hx-get"));
    retry.textContent = "Try again";
    box.append(note, retry);
    panel.replaceChildren(box);
    if (window.htmx) window.htmx.process(box);
    if (hadFocus) retry.focus();
    return true;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail;
    const status = detail.xhr.status;
    if (status < 400) return;
    if (/class="xero-panel"/.test(detail.xhr.responseText || "")) {
      detail.shouldSwap = true; // the app's own message: show it
      detail.isError = false;
      return;
    }
    if (showFailure(detail, statusWords(status))) {
      detail.shouldSwap = false;
      detail.isError = false;
    }
  });

  // The composer re-draws a line on the server when its item or account is chosen. A field of
  // that line which the person changed while the answer was on its way keeps their value in the
  // new line (and the total follows it): nothing they chose is lost to the re-draw.
  const askedLines = new WeakMap();
  let keptFields = null;
  function lineValues(row) {
    const values = {};
    row.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (field) {
      values[field.name] = field.type === "checkbox" ? String(field.checked) : field.value;
    });
    return values;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    const cell = event.detail.elt;
    if (!cell.matches || !cell.matches("[data-redraws-line]")) return;
    const row = cell.closest("tr");
    if (row) askedLines.set(row, lineValues(row));
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    const row = event.detail.target;
    if (!row || !askedLines.has(row) || !event.detail.shouldSwap) return;
    const before = askedLines.get(row);
    const now = lineValues(row);
    const kept = {};
    Object.keys(now).forEach(function (name) {
      if (now[name] !== before[name]) kept[name] = now[name];
    });
    askedLines.delete(row);
    keptFields = Object.keys(kept).length ? kept : null;
  });
  document.addEventListener("htmx:afterSwap", function () {
    if (!keptFields) return;
    const kept = keptFields;
    keptFields = null;
    Object.keys(kept).forEach(function (name) {
      const field = document.querySelector('[name="' + CSS.escape(name) + '"]');
      if (!field) return;
      if (field.type === "checkbox") field.checked = kept[name] === "true";
      else field.value = kept[name];
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });

  document.addEventListener("htmx:sendError", function (event) {
    showFailure(event.detail, "the server could not be reached; check the connection");
  });

  document.addEventListener("htmx:timeout", function (event) {
    showFailure(event.detail, "the server did not answer in time");
  });

  // A table wider than its box scrolls inside it (.table-scroll); while it does, the box takes
  // the keyboard focus (so arrow keys scroll it) and is a region named after its table.
  function markScrollers() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      const table = box.querySelector("table");
      if (table && box.scrollWidth > box.clientWidth + 1) {
        if (box.getAttribute("tabindex") === "0") return;
        const caption = table.querySelector("caption");
        const labelledBy = table.getAttribute("aria-labelledby");
        const heading = labelledBy && document.getElementById(labelledBy);
        const name = (caption || heading || {}).textContent;
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", (name ? name.trim() + " " : "") + "(table, scrolls sideways)");
      } else if (box.getAttribute("tabindex") === "0") {
        ["tabindex", "role", "aria-label"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  let resizing = 0;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(markScrollers, 100);
  });
  document.addEventListener("htmx:afterSettle", markScrollers);
  document.addEventListener("DOMContentLoaded", markScrollers);

  // Copy (the online invoice link): the text of the field named by data-copy, to the clipboard;
  // the field stays visible and selected, so that it can be copied by hand where the clipboard
  // is not allowed.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    if (!field) return;
    const status = button.parentElement.querySelector("[data-copy-status]");
    const say = function (words) { if (status) status.textContent = words; };
    field.select();
    if (!navigator.clipboard || !window.isSecureContext) {
      say("Select the link and copy it.");
      return;
    }
    navigator.clipboard.writeText(field.value).then(
      function () { say("Copied."); },
      function () { say("Could not copy: select the link and copy it."); }
    );
  });

  document.addEventListener("DOMContentLoaded", function () {
    const wanted = location.hash.slice(1) || new URLSearchParams(location.search).get("tab");
    if (!wanted) return;
    const tab = document.querySelector('[role="tab"][data-tab="' + CSS.escape(wanted) + '"]');
    if (tab) activate(tab, false);
  });
})();
