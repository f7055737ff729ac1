// The live room: one Socket.IO connection to /live; the server's state is the truth.
// On every (re)connect, and when the server asks (`resync`), the page joins again and redraws
// from the full state it gets back. The member's answer form is in live-answer.js, the
// facilitator's console in live-console.js, results in live-results.js, the pacer in
// live-pacer.js.
"use strict";

(() => {
  const root = document.getElementById("live");
  const L = window.CirclesLive || {};
  if (!root || root.dataset.ended === "true" || !window.io || !L.results) {
    return;
  }
  const sessionId = Number(root.dataset.liveSession);
  const isFacilitator = root.dataset.role === "facilitator";
  const $ = (id) => document.getElementById(id);
  const socket = window.io("/live", { transports: ["websocket"] });

  let current = null; // the prompt on screen
  let timerEnd = null;
  let timerTick = null;
  let lastAnnounced = null;
  let handUp = false;
  let commitments = []; // this member's choices from last time (only ever sent to them)
  let left = false; // asked to leave: no more joining, no "reconnecting"
  let revealed = null; // {prompt, responses, summary} of the reveal on screen
  let roundSaid = false; // the status line says who is speaking in a talking round

  // Every text shown or said comes from the page, in its language (templates/live/_texts.html).
  const T = (key, values) => window.Circles.text(key, values);
  const status = (text) => { roundSaid = false; $("live-status").textContent = text; };
  const show = (el, visible) => { if (el) { el.hidden = !visible; } };

  function send(event, payload = {}) {
    return new Promise((resolve) => {
      socket.timeout(8000).emit(event, { session: sessionId, ...payload }, (err, ack) => {
        // The room ended while this page was joining (its news may have come before the
        // page was in the room): whatever was sent, the page shows how the session ended.
        if (!err && ack && ack.ok === false && ack.error && ack.error.code === "ended") {
          window.location.reload();
        }
        resolve(err ? { ok: false, error: { code: "timeout", message: T("no_answer") } } : ack);
      });
    });
  }

  function showError(id, ack) {
    const el = $(id);
    if (!el) { return; }
    if (ack && !ack.ok) {
      el.textContent = ack.error.message;
      el.hidden = false;
    } else {
      el.textContent = "";
      el.hidden = true;
    }
  }

  const timerRunning = () => timerEnd !== null && timerEnd > Date.now();
  const ctx = { sessionId, isFacilitator, $, show, send, showError, current: () => current, timerRunning };
  const answer = !isFacilitator && L.answer ? L.answer(ctx) : null;
  const desk = isFacilitator && L.desk ? L.desk(ctx) : null;
  const pacer = L.pacer ? L.pacer({ root: $("pacer"), shape: $("pacer-shape"), phase: $("pacer-phase"), count: $("pacer-count") }) : null;

  // Prompt ----------------------------------------------------------------------------------
  function describe(prompt) {
    const parts = [prompt.anonymous ? T("anonymous") : T("named")];
    if (prompt.kind === "reflection") { parts.unshift(T("kind_reflection")); }
    if (prompt.kind === "commitment") { parts.unshift(T("kind_small_action")); }
    if (prompt.kind === "word") { parts.unshift(T("kind_word")); }
    if (prompt.kind === "pick") { parts.unshift(T("pick_up_to", { num: prompt.max_picks || 1 })); }
    return parts.join(" · ");
  }

  function renderPrompt(prompt, answered) {
    current = prompt;
    $("prompt-text").textContent = prompt ? prompt.text : T("waiting");
    $("prompt-describe").textContent = prompt ? describe(prompt) : "";
    show($("prompt-closed"), Boolean(prompt && prompt.status === "closed"));
    if (answer) { answer.render(prompt, answered); }
    if (desk) { desk.renderPrompt(prompt); }
    renderFollowUp(prompt);
  }

  function drawRevealed() {
    L.results.render($("revealed"), {
      prompt: revealed && revealed.prompt,
      responses: revealed && revealed.responses,
      summary: revealed && revealed.summary,
      showAuthors: true,
      onHide: isFacilitator ? async (r) => showError("console-error", await send("response.hide", { response_id: r.id })) : null,
    });
  }

  function renderRevealed(responses, summary) {
    revealed = responses ? { prompt: current, responses, summary: summary || null } : null;
    drawRevealed();
  }

  // Timer -----------------------------------------------------------------------------------
  function renderTimer(timer) {
    timerEnd = timer && timer.ends_at ? new Date(timer.ends_at).getTime() : null;
    lastAnnounced = null;
    clearInterval(timerTick);
    show($("timer"), Boolean(timerEnd));
    if (!timerEnd) { return; }
    const tick = () => {
      const left = Math.max(0, Math.round((timerEnd - Date.now()) / 1000));
      $("timer-value").textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      const say = left === 0 ? T("time_up") : ([60, 30, 10, 5].includes(left) ? T(`seconds_left_${left === 1 ? "one" : "other"}`, { num: left }) : null);
      if (say && say !== lastAnnounced) {
        lastAnnounced = say;
        $("timer-announcer").textContent = say;
      }
      if (left === 0) { clearInterval(timerTick); }
    };
    tick();
    timerTick = setInterval(tick, 250);
  }

  // People, round, commitments ---------------------------------------------------------------
  function renderParticipants(people) {
    if (desk) { desk.onPresence(people); }
    const list = $("participants");
    list.replaceChildren();
    people.forEach((person) => {
      const item = document.createElement("li");
      item.textContent = person.role === "facilitator" ? T("facilitator_name", { name: person.name }) : person.name;
      if (person.hand) {
        const hand = document.createElement("strong");
        hand.textContent = T("hand_raised");
        item.append(" ", hand);
      }
      if (isFacilitator && person.role === "member") {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link-button";
        remove.textContent = T("remove");
        remove.setAttribute("aria-label", T("remove_label", { name: person.name }));
        remove.addEventListener("click", async () => {
          if (window.confirm(T("remove_confirm", { name: person.name }))) {
            showError("console-error", await send("participant.remove", { user: person.id }));
          }
        });
        item.append(" ", remove);
      }
      list.append(item);
    });
  }

  function renderRound(round) {
    show($("round"), Boolean(round));
    const list = $("round-order");
    list.replaceChildren();
    if (!round) {
      if (roundSaid) { status(T("round_over")); }
      return;
    }
    round.order.forEach((name, index) => {
      const item = document.createElement("li");
      item.textContent = name;
      if (index === round.current) {
        item.setAttribute("aria-current", "step");
        item.className = "speaking";
        item.textContent = T("speaking_now", { name });
      }
      list.append(item);
    });
    status(T("round_status", { name: round.speaker }));
    roundSaid = true;
  }

  const commitmentItems = () => commitments.map((c) => {
    const item = document.createElement("li");
    item.textContent = c.text;
    return item;
  });

  function renderCommitments(list) {
    const box = $("commitments");
    if (!box || !list) { return; }
    commitments = list;
    $("commitment-list").replaceChildren(...commitmentItems());
    show(box, commitments.length > 0);
  }

  // A "how did it go" prompt: each member sees their own choices from last time beside it.
  function renderFollowUp(prompt) {
    const box = $("follow-up");
    if (!box) { return; }
    const visible = Boolean(prompt && prompt.follow_up && commitments.length);
    if (visible) { $("follow-up-list").replaceChildren(...commitmentItems()); }
    show(box, visible);
  }

  // Support requests: members see their own; facilitators only how many wait (never who) ------
  const supportItems = new Map(); // request id -> its item in this member's list

  function renderSupportItem(request) {
    const list = $("support-list");
    if (!list) { return; }
    let item = supportItems.get(request.id);
    if (!item) {
      item = document.createElement("li");
      supportItems.set(request.id, item);
      list.prepend(item);
    }
    const when = new Date(request.created_at).toLocaleString(document.documentElement.lang || [], { dateStyle: "medium", timeStyle: "short" });
    item.textContent = T("support_item", { when, label: request.label });
    show($("support-requests"), true);
  }

  function renderSupport(support) {
    if (support === undefined) { return; }
    if (desk) { desk.renderSupport(support); return; }
    [...support].reverse().forEach(renderSupportItem);
  }

  // Reactions: each shows for a few seconds on its own, beside any others; said once.
  const REACTIONS = ["heart", "thanks", "resonates", "breathe"];
  function showReaction(kind) {
    if (!REACTIONS.includes(kind)) { return; }
    const words = T(`reaction_${kind}`);
    const stack = $("reaction-stack");
    const item = document.createElement("p");
    item.className = "reaction";
    item.textContent = words;
    stack.append(item);
    while (stack.children.length > 6) { stack.firstElementChild.remove(); }
    setTimeout(() => item.classList.add("reaction-leaving"), 3400);
    setTimeout(() => item.remove(), 4000);
    $("reaction-announcer").textContent = T(`reaction_${kind}_said`);
  }

  function renderState(state) {
    renderPrompt(state.prompt, state.you && state.you.answered);
    renderRevealed(state.revealed, state.summary);
    renderParticipants(state.participants);
    renderTimer(state.timer);
    renderRound(state.round);
    renderCommitments(state.commitments);
    renderFollowUp(state.prompt);
    if (desk) { desk.renderPlan(state.plan); }
    renderSupport(state.support);
    if (pacer) { pacer.update(state.grounding || null); }
    handUp = Boolean(state.you && state.you.hand);
    const hand = $("hand-button");
    if (hand) {
      hand.setAttribute("aria-pressed", String(handUp));
      hand.textContent = handUp ? T("lower_hand") : T("raise_hand");
    }
    if (desk && state.count !== undefined) { desk.setCount(state.prompt ? state.prompt.id : null, state.count); }
  }

  // Socket events ----------------------------------------------------------------------------
  // Asked to leave (`session.left`, or a join refused as "removed"): say so calmly, point to help,
  // and stop; the server closes the socket and the page does not try to come back.
  function leave() {
    if (left) { return; }
    left = true;
    socket.disconnect();
    clearInterval(timerTick);
    if (pacer) { pacer.stop(); }
    document.querySelectorAll(".live-grid, .console").forEach((el) => { el.hidden = true; });
    show($("removed"), true);
    status(T("asked_to_leave"));
  }

  async function joinAndRedraw() {
    if (left) { return; }
    const ack = await send("join");
    if (ack.ok) {
      renderState(ack.state);
      const lobby = isFacilitator ? T("in_lobby_facilitator") : T("in_lobby");
      status(ack.state.status === "lobby" ? lobby : T("in_room"));
    } else {
      status(ack.error.message);
      if (ack.error.code === "removed") { leave(); }
    }
  }

  socket.on("connect", () => {
    status(T("joining"));
    joinAndRedraw();
  });
  // The server may have missed telling us something (its message queue was away): join again
  // and redraw, after a moment's random wait so that a whole server's rooms do not join at once.
  socket.on("resync", () => { setTimeout(joinAndRedraw, Math.random() * 1000); });
  socket.on("disconnect", () => { if (!left) { status(T("reconnecting")); } });
  socket.on("connect_error", () => { if (!left) { status(T("unreachable")); } });
  socket.on("session.left", (data) => {
    if (data && data.reason === "removed" && data.session === sessionId) {
      leave();
    } else if (data && data.reason === "logged_out") {
      // This login ended (logged out here, on this browser): the page shows where things stand.
      left = true;
      socket.disconnect();
      window.location.reload();
    }
  });

  socket.on("presence", (data) => renderParticipants(data.participants));
  socket.on("prompt.opened", (prompt) => {
    // Opening a prompt closes the one before (prompt.closes) and sets or clears the timer.
    // Lines about the prompt before (an error, "your answer is in") go with it.
    status(T("in_room"));
    showError("console-error", null);
    $("results-news").textContent = "";
    renderPrompt(prompt, false);
    renderRevealed(null);
    renderTimer(prompt.timer);
    if (desk) {
      desk.setCount(prompt.id, 0);
      desk.markOpened(prompt.plan_item);
    }
    // Announced, never focused: whatever the person is typing, wherever, stays where it is.
    $("prompt-news").textContent = T("new_prompt", { text: prompt.text });
  });
  socket.on("prompt.revealed", (data) => {
    if (current && current.id === data.prompt_id) {
      current.status = "revealed";
      renderPrompt(current, true);
    }
    renderRevealed(data.responses, data.summary);
    $("results-news").textContent = T("answers_shown");
  });
  socket.on("prompt.closed", (data) => {
    if (current && current.id === data.prompt_id) {
      current.status = "closed";
      renderPrompt(current, true);
    }
  });
  socket.on("response.count", (data) => {
    if (desk && current && current.id === data.prompt_id) { desk.setCount(data.prompt_id, data.count); }
  });
  socket.on("response.hidden", (data) => {
    if (!revealed) { return; }
    revealed.responses = revealed.responses.filter((r) => r.id !== data.response_id);
    revealed.summary = data.summary || null;
    drawRevealed();
  });
  socket.on("timer", renderTimer);
  socket.on("round", (data) => renderRound(data.round));
  socket.on("reaction", (data) => showReaction(data.kind));
  socket.on("grounding", (data) => { if (pacer) { pacer.update(data.grounding); } });
  socket.on("session.ended", () => window.location.reload());
  socket.on("support.requested", (data) => renderSupport(data));
  socket.on("support.status", (data) => {
    renderSupportItem(data.support);
    $("support-announcer").textContent = T("support_now", { label: data.support.label });
  });

  // Member controls --------------------------------------------------------------------------
  if (!isFacilitator) {
    $("hand-button").addEventListener("click", async () => {
      const ack = await send(handUp ? "hand.lower" : "hand.raise");
      if (ack.ok) {
        handUp = !handUp;
        $("hand-button").setAttribute("aria-pressed", String(handUp));
        $("hand-button").textContent = handUp ? T("lower_hand") : T("raise_hand");
      }
    });
    document.querySelectorAll("[data-reaction]").forEach((button) => {
      button.addEventListener("click", () => send("reaction.send", { kind: button.dataset.reaction }));
    });
    $("support-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const ack = await send("support.request", { message: $("support-message").value });
      showError("support-error", ack);
      if (ack.ok) {
        $("support-message").value = "";
        renderSupportItem(ack.support);
        $("support-announcer").textContent = T("support_asked");
      }
    });
  }
})();
