// The facilitator's console: reveal, close and the next plan step, timer, round, the plan,
// sharing a prompt, breathing together, keyboard shortcuts, and a polite running note of who
// arrived, left or raised a hand.
"use strict";

(() => {
  const L = (window.CirclesLive = window.CirclesLive || {});
  // Every text shown or said comes from the page, in its language (templates/live/_texts.html).
  const T = (key, values) => window.Circles.text(key, values);
  const KINDS = ["text", "scale", "choice", "reflection", "commitment", "word", "pick"];

  L.desk = (ctx) => {
    const { $, show, send, showError } = ctx;
    let plan = [];
    let people = null; // the last presence list, to tell what changed

    const act = async (event, payload) => showError("console-error", await send(event, payload || {}));
    const nextStep = () => plan.find((step) => !step.opened) || null;

    function renderNext() {
      const step = nextStep();
      $("next-step-button").disabled = !step;
      show($("next-step-button"), plan.length > 0); // no plan for this session: nothing to step through
      $("next-step-hint").textContent = step ? T("next_in_plan", { text: step.text }) : "";
      show($("next-step-hint"), Boolean(step));
    }

    function renderPlan(steps) {
      if (!steps) { return; }
      plan = steps;
      $("plan-steps").replaceChildren(...plan.map((step) => {
        const item = document.createElement("li");
        item.className = step.opened ? "plan-step done" : "plan-step";
        const text = document.createElement("span");
        const kind = step.kind === "pick" && step.max_picks
          ? T("pick_up_to", { num: step.max_picks })
          : (KINDS.includes(step.kind) ? T(`step_kind_${step.kind}`) : step.kind);
        text.textContent = T(step.opened ? "step_shared" : "step", { text: step.text, kind });
        const open = document.createElement("button");
        open.type = "button";
        open.className = step.opened ? "secondary" : "";
        open.textContent = step.opened ? T("share_again") : T("share");
        open.setAttribute("aria-label", T(step.opened ? "share_again_label" : "share_label", { text: step.text.slice(0, 60) }));
        open.addEventListener("click", async () => showError("prompt-error", await send("prompt.open", { plan_item: step.id })));
        item.append(text, " ", open);
        return item;
      }));
      show($("plan"), plan.length > 0);
      renderNext();
    }

    function markOpened(planItem) {
      if (planItem !== undefined && planItem !== null) {
        renderPlan(plan.map((step) => (step.id === planItem ? { ...step, opened: true } : step)));
      }
    }

    function renderPrompt(prompt) {
      const open = Boolean(prompt && prompt.status === "open");
      $("reveal-button").disabled = !(open && prompt.kind !== "reflection");
      $("close-button").disabled = !prompt || prompt.status === "closed";
    }

    // Counts from several server processes can arrive out of order: for the same prompt the
    // highest one is the truth so far, and the number never goes back.
    let counted = { prompt: null, count: 0 };
    function setCount(promptId, count) {
      const same = counted.prompt === promptId;
      counted = { prompt: promptId, count: same ? Math.max(counted.count, count) : count };
      $("response-count").textContent = counted.count;
    }

    function renderSupport(support) {
      if (!support) { return; }
      const waiting = support.new;
      $("support-link").textContent = T(`support_waiting_${waiting === 1 ? "one" : "other"}`, { num: waiting });
      show($("support-notice"), waiting > 0);
    }

    // Arrivals, departures and raised hands, said once each in a polite live region (the last
    // few stay visible). The first list after joining is only remembered.
    function note(text) {
      const log = $("presence-log");
      const line = document.createElement("p");
      line.textContent = text;
      log.append(line);
      while (log.children.length > 3) { log.firstElementChild.remove(); }
    }

    function onPresence(list) {
      const before = people;
      people = new Map(list.map((p) => [p.id, p]));
      if (!before) { return; }
      const said = [];
      list.forEach((p) => {
        const was = before.get(p.id);
        if (!was) { said.push(T("joined", { name: p.name })); }
        if (p.hand && !(was && was.hand)) { said.push(T("raised_hand", { name: p.name })); }
      });
      before.forEach((p, id) => { if (!people.has(id)) { said.push(T("left", { name: p.name })); } });
      if (said.length) { note(said.join(" ")); }
    }

    // Sharing a prompt ------------------------------------------------------------------------
    const kind = $("prompt-kind");
    const syncKind = () => {
      document.querySelectorAll("[data-for-kind]").forEach((el) => { el.hidden = !el.dataset.forKind.split(" ").includes(kind.value); });
    };
    kind.addEventListener("change", syncKind);
    syncKind();
    let picked = null; // the library prompt the form was filled from
    $("library").addEventListener("change", (event) => {
      const option = event.target.selectedOptions[0];
      if (!option || !option.dataset.spec) { picked = null; return; }
      const spec = JSON.parse(option.dataset.spec);
      picked = spec;
      kind.value = spec.kind;
      $("prompt-input").value = spec.text;
      $("prompt-anonymous").checked = spec.anonymous !== false;
      $("prompt-options").value = (spec.options || []).join("\n");
      $("prompt-max-picks").value = spec.max_picks || 2;
      $("scale-min").value = spec.min !== undefined ? spec.min : 0;
      $("scale-max").value = spec.max !== undefined ? spec.max : 10;
      $("scale-min-label").value = spec.min_label || "";
      $("scale-max-label").value = spec.max_label || "";
      $("prompt-seconds").value = spec.seconds || "";
      syncKind();
    });
    $("prompt-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const prompt = { kind: kind.value, text: $("prompt-input").value, anonymous: $("prompt-anonymous").checked };
      if (prompt.kind === "choice" || prompt.kind === "pick") { prompt.options = $("prompt-options").value.split("\n").map((s) => s.trim()).filter(Boolean); }
      if (prompt.kind === "pick") { prompt.max_picks = Number($("prompt-max-picks").value); }
      if (prompt.kind === "scale") {
        prompt.min = Number($("scale-min").value);
        prompt.max = Number($("scale-max").value);
        prompt.min_label = $("scale-min-label").value;
        prompt.max_label = $("scale-max-label").value;
      }
      if ($("prompt-seconds").value) { prompt.seconds = Number($("prompt-seconds").value); }
      if (picked && picked.follow_up && picked.text === prompt.text) { prompt.follow_up = true; }
      const ack = await send("prompt.open", { prompt });
      showError("prompt-error", ack);
      if (ack.ok) { $("prompt-input").value = ""; $("library").value = ""; picked = null; }
    });

    // Buttons and shortcuts -------------------------------------------------------------------
    const current = () => ctx.current();
    $("reveal-button").addEventListener("click", () => act("prompt.reveal", { prompt_id: current() && current().id }));
    $("close-button").addEventListener("click", () => act("prompt.close", { prompt_id: current() && current().id }));
    $("next-step-button").addEventListener("click", () => {
      const step = nextStep();
      if (step) { act("prompt.open", { plan_item: step.id }); }
    });
    $("timer-start").addEventListener("click", () => act("timer.start", { seconds: Number($("timer-seconds").value) }));
    $("timer-stop").addEventListener("click", () => act("timer.stop"));
    $("round-start").addEventListener("click", () => act("round.start"));
    $("round-next").addEventListener("click", () => act("round.next"));
    $("round-end").addEventListener("click", () => act("round.end"));
    $("grounding-start").addEventListener("click", () => act("grounding.start", { pattern: $("grounding-pattern").value, cycles: Number($("grounding-cycles").value) }));
    $("grounding-stop").addEventListener("click", () => act("grounding.stop"));
    $("end-button").addEventListener("click", async () => {
      if (window.confirm(T("end_confirm"))) {
        act("session.end");
      }
    });

    const press = (id) => { const button = $(id); if (button && !button.disabled) { button.click(); } };
    const SHORTCUTS = {
      r: () => press("reveal-button"),
      c: () => press("close-button"),
      n: () => press("next-step-button"),
      t: () => press(ctx.timerRunning() ? "timer-stop" : "timer-start"),
      "?": () => {
        const list = $("shortcuts");
        list.open = !list.open;
        if (list.open) { list.scrollIntoView({ block: "nearest" }); }
      },
    };
    document.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
      const target = event.target;
      if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])")) { return; }
      const run = SHORTCUTS[event.key];
      if (run && !document.getElementById("live").querySelector(".console").hidden) {
        event.preventDefault();
        run();
      }
    });

    return { renderPlan, markOpened, renderPrompt, setCount, renderSupport, onPresence };
  };
})();
