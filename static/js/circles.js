// Progressive enhancement only: every page works without this file.
"use strict";

// Texts a page's script shows, in the page's language: the server puts them in a JSON island
// (circles.i18n.js_texts). Circles.text("key", {name: "Ana"}) fills %(name)s placeholders.
window.Circles = window.Circles || {};
window.Circles.text = (key, values) => {
  if (!window.Circles.texts) {
    const island = document.getElementById("page-texts");
    window.Circles.texts = island ? JSON.parse(island.textContent) : {};
  }
  const text = Object.prototype.hasOwnProperty.call(window.Circles.texts, key)
    ? window.Circles.texts[key]
    : key;
  return text.replace(/%\((\w+)\)s/g, (whole, name) =>
    values && name in values ? String(values[name]) : whole);
};

document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive buttons (remove, leave).
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });

  // Select a freshly made invitation link so it is easy to copy.
  document.querySelectorAll("input[data-select-on-focus]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });

  // On sign-up, preselect the browser's own time zone while the picker is still at its default.
  const zone = document.querySelector("form[data-detect-timezone] select#timezone");
  if (zone && zone.value === "UTC" && !zone.closest(".field-error") && window.Intl) {
    const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (detected && [...zone.options].some((option) => option.value === detected)) {
      zone.value = detected;
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Phone and header: tables that stack into rows on a narrow screen, the header's menu, and the
// accent colour picker. Without this script tables scroll in their region, the menu still opens
// (it is a details element) and the colour is typed as text.
document.addEventListener("DOMContentLoaded", () => {
  // Each cell gets its column's header as data-label, for the stacked layout (circles.css).
  // A table whose cells change display loses its semantics in some browsers: the roles say
  // again what the elements are. A header that is only for screen readers gives no label.
  document.querySelectorAll(".table-scroll table").forEach((table) => {
    const headers = [...table.querySelectorAll("thead th")].map((th) => {
      const text = th.textContent.trim().replace(/\s+/g, " ");
      const hidden = th.querySelector(".visually-hidden");
      return hidden && hidden.textContent.trim().replace(/\s+/g, " ") === text ? "" : text;
    });
    table.setAttribute("role", "table");
    table.querySelectorAll("thead, tbody, tfoot").forEach((group) => {
      group.setAttribute("role", "rowgroup");
    });
    table.querySelectorAll("tr").forEach((row) => {
      row.setAttribute("role", "row");
      let column = 0;
      [...row.children].forEach((cell) => {
        const inHead = cell.closest("thead") !== null;
        if (cell.tagName === "TH") {
          cell.setAttribute("role", inHead || cell.scope === "col" ? "columnheader" : "rowheader");
        } else {
          cell.setAttribute("role", "cell");
        }
        if (!inHead) {
          cell.dataset.label = headers[column] || "";
        }
        column += cell.colSpan || 1;
      });
    });
    const caption = table.querySelector("caption");
    if (caption && !table.hasAttribute("aria-label") && !table.hasAttribute("aria-labelledby")) {
      caption.id ||= `caption-${Math.random().toString(36).slice(2, 10)}`;
      table.setAttribute("aria-labelledby", caption.id);
    }
    table.closest(".table-scroll").classList.add("stacked");
  });

  // Browsers that cannot show a closed details element's content by CSS: open the header's
  // menu on a wide screen, where its summary is hidden.
  const menu = document.querySelector(".site-menu");
  const summary = menu?.querySelector("summary");
  if (menu && window.CSS && !CSS.supports("selector(::details-content)")) {
    const wide = window.matchMedia("(min-width: 48rem)");
    const follow = () => { menu.open = wide.matches; };
    follow();
    wide.addEventListener("change", follow);
  }
  // Escape folds the open menu again, back on its button.
  if (menu && summary) {
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open && summary.getClientRects().length) {
        menu.open = false;
        summary.focus();
      }
    });
  }

  // The accent colour: a colour picker kept in step with the text field it belongs to.
  document.querySelectorAll("[data-colour-picker]").forEach((box) => {
    const picker = box.querySelector("input[type=color]");
    const text = document.getElementById(box.dataset.colourPicker);
    if (!picker || !text) {
      return;
    }
    box.hidden = false;
    const valid = /^#[0-9a-f]{6}$/i;
    if (valid.test(text.value)) {
      picker.value = text.value.toLowerCase();
    }
    picker.addEventListener("input", () => { text.value = picker.value; });
    text.addEventListener("input", () => {
      const value = text.value.trim();
      if (valid.test(value)) {
        picker.value = value.toLowerCase();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Invitations: "Copy link" buttons copy the invitation link in one click. Without this script
// the buttons stay hidden and the link stays selectable (and selected on focus) in its field.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const input = document.getElementById(button.dataset.copy);
    const status = button.closest(".new-link")?.querySelector("[data-copy-status]");
    if (!input || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(input.value);
        if (status) {
          status.textContent = Circles.text("link_copied");
        }
      } catch {
        input.focus();
        input.select();
        if (status) {
          status.textContent = Circles.text("copy_link_by_hand");
        }
      }
    });
  });
});
