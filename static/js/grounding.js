// Grounding exercises: a gentle guide through each, on top of instructions that work without
// this file. Changes of step are announced politely (aria-live); focus never moves by itself;
// with prefers-reduced-motion the breathing circle stays still and only the words change. Every
// text comes from the page, in its language (Circles.text, static/js/circles.js).
"use strict";

// A count in the page's language: the page gives a form for one and one for more
// ("<key>_one", "<key>_other"; English, German and Spanish need no others).
function counted(key, n) {
  return Circles.text(`${key}_${n === 1 ? "one" : "other"}`, { num: n });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".exercise .exercise-controls").forEach((controls) => {
    controls.hidden = false;
  });
  const breathing = document.querySelector('[data-exercise="breathing"]');
  if (breathing) {
    setUpBreathing(breathing);
  }
  const senses = document.querySelector('[data-exercise="senses"]');
  if (senses) {
    setUpSenses(senses);
  }
  const scan = document.querySelector('[data-exercise="scan"]');
  if (scan) {
    setUpScan(scan);
  }
});

function setUpBreathing(section) {
  const toggle = section.querySelector('[data-action="toggle"]');
  const pace = section.querySelector("#breathing-pace");
  const box = section.querySelector(".breath");
  const circle = section.querySelector(".breath-circle");
  const cue = section.querySelector(".breath-cue");
  const count = section.querySelector(".breath-count");
  let timer = null;

  function stop() {
    window.clearTimeout(timer);
    timer = null;
    toggle.textContent = Circles.text("start_breathing");
    toggle.setAttribute("aria-pressed", "false");
    circle.className = "breath-circle";
    cue.textContent = Circles.text("stopped");
    pace.disabled = false;
  }

  function phase(breaths, breathingIn) {
    const [inSeconds, outSeconds] = pace.value.split("-").map(Number);
    const seconds = breathingIn ? inSeconds : outSeconds;
    circle.style.setProperty("--breath-seconds", `${seconds}s`);
    circle.className = `breath-circle ${breathingIn ? "breathing-in" : "breathing-out"}`;
    cue.textContent = Circles.text(breathingIn ? "breathe_in" : "breathe_out");
    count.textContent = counted("breaths", breaths);
    timer = window.setTimeout(
      () => phase(breathingIn ? breaths : breaths + 1, !breathingIn),
      seconds * 1000,
    );
  }

  toggle.addEventListener("click", () => {
    if (timer !== null) {
      stop();
      return;
    }
    box.hidden = false;
    pace.disabled = true;
    toggle.textContent = Circles.text("stop");
    toggle.setAttribute("aria-pressed", "true");
    phase(1, true);
  });
}

function setUpSenses(section) {
  const steps = [...section.querySelectorAll(".senses li")].map((li) => li.textContent.trim());
  const begin = section.querySelector('[data-action="begin"]');
  const box = section.querySelector(".senses-steps");
  const text = section.querySelector(".senses-step");
  const next = section.querySelector('[data-action="next"]');
  const stop = section.querySelector('[data-action="stop"]');
  let at = 0;

  function show() {
    if (at < steps.length) {
      text.textContent = Circles.text("step", {
        number: at + 1,
        total: steps.length,
        step: steps[at],
      });
      next.hidden = false;
    } else {
      text.textContent = Circles.text("senses_done");
      next.hidden = true;
    }
  }

  begin.addEventListener("click", () => {
    at = 0;
    box.hidden = false;
    show();
  });
  next.addEventListener("click", () => {
    at += 1;
    show();
    if (next.hidden) {
      stop.focus(); // the button that had focus is gone; keep the person's place nearby
    }
  });
  stop.addEventListener("click", () => {
    box.hidden = true;
    begin.focus();
  });
}

function setUpScan(section) {
  const toggle = section.querySelector('[data-action="toggle"]');
  const seconds = section.querySelector("#scan-seconds");
  const items = [...section.querySelectorAll(".scan-areas li")];
  const box = section.querySelector(".scan-now");
  const area = section.querySelector(".scan-area");
  const left = section.querySelector(".scan-time");
  let timer = null;
  let at = 0;
  let remaining = 0;

  function mark() {
    items.forEach((item, i) => {
      if (i === at) {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
    });
  }

  function pause(message) {
    window.clearInterval(timer);
    timer = null;
    toggle.setAttribute("aria-pressed", "false");
    toggle.textContent = Circles.text(at < items.length ? "carry_on" : "start_scan");
    seconds.disabled = false;
    if (message) {
      area.textContent = message;
    }
  }

  function tick() {
    remaining -= 1;
    if (remaining > 0) {
      left.textContent = counted("seconds_left", remaining);
      return;
    }
    at += 1;
    if (at >= items.length) {
      mark();
      left.textContent = "";
      pause(Circles.text("scan_finished"));
      at = 0;
      toggle.textContent = Circles.text("start_scan");
      return;
    }
    begin();
  }

  function begin() {
    remaining = Number(seconds.value);
    mark();
    area.textContent = Circles.text("now", { area: items[at].textContent });
    left.textContent = counted("seconds_left", remaining);
  }

  toggle.addEventListener("click", () => {
    if (timer !== null) {
      pause(Circles.text("paused"));
      return;
    }
    box.hidden = false;
    seconds.disabled = true;
    toggle.textContent = Circles.text("pause");
    toggle.setAttribute("aria-pressed", "true");
    if (remaining <= 0) {
      begin();
    } else {
      area.textContent = Circles.text("now", { area: items[at].textContent });
    }
    timer = window.setInterval(tick, 1000);
  });
}
