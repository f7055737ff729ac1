// The presenter view: joins the room as the facilitator and shows only the current prompt, its
// timer, the breathing pacer and the revealed answers, large. Names are never drawn: presence
// is ignored and authors are left out even on named prompts.
"use strict";

(() => {
  const root = document.getElementById("present");
  const L = window.CirclesLive || {};
  if (!root || root.dataset.ended === "true" || !window.io || !L.results) {
    return;
  }
  const sessionId = Number(root.dataset.liveSession);
  const $ = (id) => document.getElementById(id);
  const socket = window.io("/live", { transports: ["websocket"] });
  const pacer = L.pacer ? L.pacer({ root: $("pacer"), shape: $("pacer-shape"), phase: $("pacer-phase"), count: $("pacer-count") }) : null;
  let current = null;
  let revealed = null;
  let timerTick = null;

  // Every text shown or said comes from the page, in its language (templates/live/_texts.html).
  const T = (key, values) => window.Circles.text(key, values);
  const status = (text) => { $("present-status").textContent = text; };
  const KINDS = { scale: "kind_scale", choice: "choose_one", word: "kind_word", reflection: "kind_reflection", commitment: "kind_small_action" };

  function renderPrompt(prompt) {
    current = prompt;
    $("present-text").textContent = prompt ? prompt.text : T("waiting");
    $("present-kind").textContent = !prompt ? "" : (prompt.kind === "pick" ? T("pick_up_to", { num: prompt.max_picks || 1 }) : (KINDS[prompt.kind] ? T(KINDS[prompt.kind]) : ""));
    $("present-closed").hidden = !(prompt && prompt.status === "closed");
  }

  function draw() {
    // Authors are stripped here too, so nothing that names anyone reaches the page.
    const responses = revealed ? revealed.responses.map((r) => ({ id: r.id, value: r.value, label: r.label })) : null;
    L.results.render($("present-results"), {
      prompt: revealed && revealed.prompt,
      responses,
      summary: revealed && revealed.summary,
      showAuthors: false,
      listAnswers: false,
      headingLevel: "h2",
      idPrefix: "present",
    });
  }

  function renderRevealed(responses, summary) {
    revealed = responses ? { prompt: current, responses, summary: summary || null } : null;
    draw();
  }

  function renderTimer(timer) {
    clearInterval(timerTick);
    const end = timer && timer.ends_at ? new Date(timer.ends_at).getTime() : null;
    $("present-timer").hidden = !end;
    if (!end) { return; }
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      $("present-timer-value").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      if (left === 0) { clearInterval(timerTick); }
    };
    tick();
    timerTick = setInterval(tick, 250);
  }

  function join() {
    socket.timeout(8000).emit("join", { session: sessionId }, (err, ack) => {
      if (err || !ack) { status(T("no_answer_room")); return; }
      if (!ack.ok) {
        status(ack.error.message);
        if (ack.error.code === "ended") { window.location.reload(); }
        return;
      }
      const state = ack.state;
      renderPrompt(state.prompt);
      renderRevealed(state.revealed, state.summary);
      renderTimer(state.timer);
      if (pacer) { pacer.update(state.grounding || null); }
      status(T("showing"));
    });
  }

  socket.on("connect", join);
  socket.on("resync", () => setTimeout(join, Math.random() * 1000));
  socket.on("disconnect", () => status(T("reconnecting")));
  socket.on("prompt.opened", (prompt) => {
    renderPrompt(prompt);
    renderRevealed(null);
    renderTimer(prompt.timer);
  });
  socket.on("prompt.revealed", (data) => {
    if (current && current.id === data.prompt_id) { current.status = "revealed"; }
    renderRevealed(data.responses, data.summary);
  });
  socket.on("prompt.closed", (data) => {
    if (current && current.id === data.prompt_id) {
      current.status = "closed";
      renderPrompt(current);
    }
  });
  socket.on("response.hidden", (data) => {
    if (!revealed) { return; }
    revealed.responses = revealed.responses.filter((r) => r.id !== data.response_id);
    revealed.summary = data.summary || null;
    draw();
  });
  socket.on("timer", renderTimer);
  socket.on("grounding", (data) => { if (pacer) { pacer.update(data.grounding); } });
  socket.on("session.ended", () => window.location.reload());
  socket.on("session.left", () => { socket.disconnect(); window.location.reload(); });
})();
