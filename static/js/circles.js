// Progressive enhancement only: every page works without this file.
"use strict";

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
