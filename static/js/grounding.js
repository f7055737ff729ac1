// Grounding exercises: a gentle guide through each, on top of instructions that work without
// this file. Changes of step are announced politely (aria-live); focus never moves by itself;
// with prefers-reduced-motion the breathing circle stays still and only the words change.
"use strict";

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
    toggle.textContent = "Start breathing";
    toggle.setAttribute("aria-pressed", "false");
    circle.className = "breath-circle";
    cue.textContent = "Stopped. Notice how you feel now.";
    pace.disabled = false;
  }

  function phase(breaths, breathingIn) {
    const [inSeconds, outSeconds] = pace.value.split("-").map(Number);
    const seconds = breathingIn ? inSeconds : outSeconds;
    circle.style.setProperty("--breath-seconds", `${seconds}s`);
    circle.className = `breath-circle ${breathingIn ? "breathing-in" : "breathing-out"}`;
    cue.textContent = breathingIn ? "Breathe in" : "Breathe out, slowly";
    count.textContent = breaths === 1 ? "1 breath" : `${breaths} breaths`;
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
    toggle.textContent = "Stop";
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
      text.textContent = `Step ${at + 1} of ${steps.length}: ${steps[at]}`;
      next.hidden = false;
    } else {
      text.textContent = "Done. Take a breath and notice how you feel now.";
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
    toggle.textContent = at < items.length ? "Carry on" : "Start the body scan";
    seconds.disabled = false;
    if (message) {
      area.textContent = message;
    }
  }

  function tick() {
    remaining -= 1;
    if (remaining > 0) {
      left.textContent = `${remaining} seconds left for this part`;
      return;
    }
    at += 1;
    if (at >= items.length) {
      mark();
      left.textContent = "";
      pause("Finished. Take a moment before you move on.");
      at = 0;
      toggle.textContent = "Start the body scan";
      return;
    }
    begin();
  }

  function begin() {
    remaining = Number(seconds.value);
    mark();
    area.textContent = `Now: ${items[at].textContent}`;
    left.textContent = `${remaining} seconds left for this part`;
  }

  toggle.addEventListener("click", () => {
    if (timer !== null) {
      pause("Paused.");
      return;
    }
    box.hidden = false;
    seconds.disabled = true;
    toggle.textContent = "Pause";
    toggle.setAttribute("aria-pressed", "true");
    if (remaining <= 0) {
      begin();
    } else {
      area.textContent = `Now: ${items[at].textContent}`;
    }
    timer = window.setInterval(tick, 1000);
  });
}
