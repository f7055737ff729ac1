// The grounding pacer: a shape that grows while breathing in and shrinks while breathing out,
// in step with the server. The phase is computed from the server's `started_at` and `phases`,
// with the server clock's offset (its `now` minus ours when the message came). The phase name is
// said in a polite live region when it changes, never every second. With
// `prefers-reduced-motion: reduce` the CSS keeps the shape still: text and a static shape only.
"use strict";

(() => {
  const L = (window.CirclesLive = window.CirclesLive || {});
  // The phases' names and the count come from the page, in its language.
  const T = (key, values) => window.Circles.text(key, values);
  const PHASES = ["in", "hold", "out"];

  // els: {root, shape, phase, count}; all but root optional.
  L.pacer = (els) => {
    let tick = null;
    let g = null; // the running grounding, with times in ms on the server's clock
    let offset = 0;
    let last = null;

    function stop() {
      clearInterval(tick);
      tick = null;
      g = null;
      last = null;
      els.root.hidden = true;
      if (els.phase) { els.phase.textContent = ""; }
      if (els.shape) { els.shape.classList.remove("pacer-big"); }
    }

    // The size a phase ends at: big after breathing in, small after breathing out; a hold keeps
    // the size of the breath before it.
    function big(index) {
      for (let k = 0; k < g.phases.length; k += 1) {
        const phase = g.phases[(index - k + g.phases.length) % g.phases.length];
        if (phase.name !== "hold") { return phase.name === "in"; }
      }
      return false;
    }

    function step() {
      const now = Date.now() + offset;
      if (now >= g.ends) { stop(); return; }
      const cycle = g.phases.reduce((sum, p) => sum + p.seconds, 0) * 1000;
      const into = Math.max(0, now - g.started);
      const round = Math.floor(into / cycle);
      let within = into - round * cycle;
      let index = 0;
      while (index < g.phases.length - 1 && within >= g.phases[index].seconds * 1000) {
        within -= g.phases[index].seconds * 1000;
        index += 1;
      }
      const phase = g.phases[index];
      const remaining = phase.seconds * 1000 - within;
      const key = `${round}:${index}`;
      if (key !== last) {
        last = key;
        if (els.shape) {
          els.shape.style.transitionDuration = `${Math.max(0, remaining) / 1000}s`;
          els.shape.classList.toggle("pacer-big", big(index));
          els.shape.dataset.phase = phase.name;
        }
        if (els.phase) { els.phase.textContent = PHASES.includes(phase.name) ? T(`phase_${phase.name}`) : phase.name; }
      }
      if (els.count) {
        const rounds = Math.max(1, Math.round((g.ends - g.started) / cycle));
        els.count.textContent = T("breath_count", { seconds: Math.ceil(remaining / 1000), breath: Math.min(round + 1, rounds), breaths: rounds });
      }
    }

    function update(grounding) {
      if (!grounding || !grounding.phases || !grounding.phases.length) { stop(); return; }
      clearInterval(tick);
      offset = grounding.now ? Date.parse(grounding.now) - Date.now() : 0;
      g = {
        phases: grounding.phases,
        started: Date.parse(grounding.started_at),
        ends: Date.parse(grounding.ends_at),
      };
      last = null;
      if (els.root.hidden) {
        els.root.hidden = false;
        if (els.shape) { void els.shape.offsetWidth; } // lay it out small, so the first breath grows
      }
      step();
      if (g) { tick = setInterval(step, 200); }
    }

    return { update, stop };
  };
})();
