// Registers the service worker (static/js/sw.js, served at /sw.js) so that the help page and
// the grounding exercises open without a connection, and Circles can be added to a home screen.
"use strict";

(() => {
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script || !script.dataset.worker) {
    return;
  }
  window.addEventListener("load", () => {
    navigator.serviceWorker.register(script.dataset.worker).catch(() => {
      // Without it every page still works online; nothing to tell the person.
    });
  });
})();
