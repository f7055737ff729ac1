// The service worker. The lines above (CACHE, OFFLINE_PAGES, OFFLINE_ASSETS) are written by the
// server (circles/grounding/views.py). It keeps the help page, the grounding exercises, the
// offline page and the files they need, so they open without a connection. Pages are kept as
// a logged-out visitor sees them (no cookie is sent for the copy): nothing personal is ever
// stored on the device. Every other page is fetched from the network only; offline, the
// offline page stands in for it. Copies are in the language they were fetched in: the browser's
// at first, then the one the person reads (a kept page names it in Content-Language, and its
// copy is refreshed asking for that language, as there is no cookie to tell).
"use strict";

const KEPT = new Set([...OFFLINE_PAGES, ...OFFLINE_ASSETS]);
const OFFLINE_PAGE = OFFLINE_PAGES[OFFLINE_PAGES.length - 1];

function keep(cache, path, language) {
  const headers = language ? { "Accept-Language": language } : {};
  return fetch(path, { credentials: "omit", cache: "no-store", headers }).then((response) => {
    if (response.ok) {
      return cache.put(path, response);
    }
    return undefined;
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all([...KEPT].map((path) => keep(cache, path))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (KEPT.has(url.pathname)) {
    // The network first (as the person is, logged in or not); the kept copy when offline, and
    // the copy refreshed, without cookies, while online.
    event.respondWith(
      fetch(request)
        .then((response) => {
          const language = response.headers.get("Content-Language");
          event.waitUntil(caches.open(CACHE).then((cache) => keep(cache, url.pathname, language)));
          return response;
        })
        .catch(() => caches.match(url.pathname)),
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_PAGE)));
  }
});
