// Tabs (WAI-ARIA tabs pattern) and formset rows. No build step, no dependencies but htmx.
(function () {
  "use strict";

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
    if (tab.dataset.tab) history.replaceState(null, "", "#" + tab.dataset.tab);
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
  });

  // A disclosure menu ("Actions"): a button that shows and hides a list of real buttons and links.
  function toggleMenu(button, open) {
    button.setAttribute("aria-expanded", String(open));
    document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("[data-menu-button][aria-expanded='true']").forEach(function (b) {
      toggleMenu(b, false);
      b.focus();
    });
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
    fieldset.querySelector("[data-formset-body]").insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
  }

  document.addEventListener("DOMContentLoaded", function () {
    const wanted = location.hash.slice(1);
    if (!wanted) return;
    const tab = document.querySelector('[role="tab"][data-tab="' + CSS.escape(wanted) + '"]');
    if (tab) activate(tab, false);
  });
})();
