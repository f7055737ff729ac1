// The live room: one Socket.IO connection to /live; the server's state is the truth.
// On every (re)connect, and when the server asks (`resync`), the page joins again and redraws
// from the full state it gets back.
"use strict";

(() => {
  const root = document.getElementById("live");
  if (!root || root.dataset.ended === "true" || !window.io) {
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
  let plan = []; // the facilitator's session plan
  let left = false; // asked to leave: no more joining, no "reconnecting"

  const status = (text) => { $("live-status").textContent = text; };
  const show = (el, visible) => { if (el) { el.hidden = !visible; } };
  const newClientId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

  function send(event, payload = {}) {
    return new Promise((resolve) => {
      socket.timeout(8000).emit(event, { session: sessionId, ...payload }, (err, ack) => {
        resolve(err ? { ok: false, error: { code: "timeout", message: "No answer from the server; please try again." } } : ack);
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
      el.hidden = true;
    }
  }

  // Prompt ----------------------------------------------------------------------------------
  function describe(prompt) {
    const parts = [prompt.anonymous ? "Anonymous" : "Answers show your name in this circle"];
    if (prompt.kind === "reflection") { parts.unshift("Silent reflection"); }
    if (prompt.kind === "commitment") { parts.unshift("A small action for the week"); }
    return parts.join(" · ");
  }

  function field(html) {
    const wrapper = document.createElement("div");
    wrapper.className = "field";
    wrapper.innerHTML = html;
    return wrapper;
  }

  function escapeText(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  function renderAnswerForm(prompt, answered) {
    const form = $("answer-form");
    if (!form) { return; }
    const fields = $("answer-fields");
    fields.replaceChildren();
    const open = prompt && prompt.status === "open" && prompt.kind !== "reflection";
    show(form, open && !answered);
    show($("answered"), open && answered);
    if (!open) { return; }
    if (prompt.kind === "text" || prompt.kind === "commitment") {
      fields.append(field('<label for="answer-text">Your answer</label><textarea id="answer-text" maxlength="1000" required></textarea>'));
    } else if (prompt.kind === "scale") {
      const set = document.createElement("fieldset");
      set.innerHTML = `<legend>Choose from ${prompt.min} (${escapeText(prompt.min_label || "lowest")}) to ${prompt.max} (${escapeText(prompt.max_label || "highest")})</legend>`;
      for (let n = prompt.min; n <= prompt.max; n += 1) {
        const item = document.createElement("span");
        item.className = "scale-option";
        item.innerHTML = `<input type="radio" name="answer" id="answer-${n}" value="${n}"> <label for="answer-${n}">${n}</label>`;
        set.append(item);
      }
      fields.append(set);
    } else if (prompt.kind === "choice") {
      const set = document.createElement("fieldset");
      set.innerHTML = "<legend>Choose one</legend>";
      prompt.options.forEach((option, index) => {
        const item = document.createElement("div");
        item.className = "radio";
        item.innerHTML = `<input type="radio" name="answer" id="answer-${index}" value="${index}"> <label for="answer-${index}">${escapeText(option)}</label>`;
        set.append(item);
      });
      fields.append(set);
    }
  }

  function renderPrompt(prompt, answered) {
    current = prompt;
    $("prompt-text").textContent = prompt ? prompt.text : "Waiting for the facilitator to share a prompt.";
    $("prompt-meta").textContent = prompt ? describe(prompt) : "";
    renderAnswerForm(prompt, answered);
    renderFollowUp(prompt);
    if (isFacilitator) {
      const open = prompt && prompt.status === "open";
      $("reveal-button").disabled = !(open && prompt.kind !== "reflection");
      $("close-button").disabled = !prompt;
    }
  }

  function renderRevealed(responses) {
    const list = $("revealed-list");
    list.replaceChildren();
    show($("revealed-heading"), Boolean(responses));
    (responses || []).forEach((response) => {
      const item = document.createElement("li");
      item.dataset.responseId = response.id;
      const value = response.label !== undefined ? response.label : String(response.value);
      item.textContent = response.author ? `${response.author}: ${value}` : value;
      if (isFacilitator) {
        const hide = document.createElement("button");
        hide.type = "button";
        hide.className = "link-button";
        hide.textContent = "Hide";
        hide.setAttribute("aria-label", `Hide the answer "${value.slice(0, 40)}"`);
        hide.addEventListener("click", async () => showError("console-error", await send("response.hide", { response_id: response.id })));
        item.append(" ", hide);
      }
      list.append(item);
    });
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
      const say = left === 0 ? "Time is up." : ([60, 30, 10, 5].includes(left) ? `${left} seconds left.` : null);
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
    const list = $("participants");
    list.replaceChildren();
    people.forEach((person) => {
      const item = document.createElement("li");
      item.textContent = person.name + (person.role === "facilitator" ? " (facilitator)" : "");
      if (person.hand) {
        const hand = document.createElement("strong");
        hand.textContent = " ✋ hand raised";
        item.append(hand);
      }
      if (isFacilitator && person.role === "member") {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "link-button";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", `Remove ${person.name} from this session`);
        remove.addEventListener("click", async () => {
          if (window.confirm(`Ask ${person.name} to leave this session?`)) {
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
      if ($("live-status").textContent.startsWith("Talking round")) { status("The round is over."); }
      return;
    }
    round.order.forEach((name, index) => {
      const item = document.createElement("li");
      item.textContent = name;
      if (index === round.current) {
        item.setAttribute("aria-current", "step");
        item.className = "speaking";
        item.textContent = `${name} (speaking now)`;
      }
      list.append(item);
    });
    status(`Talking round: ${round.speaker} is speaking.`);
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

  // Session plan (facilitators) ----------------------------------------------------------------
  const kindLabels = { text: "Open text", scale: "Scale", choice: "Single choice", reflection: "Silent reflection", commitment: "Commitment" };

  function renderPlan(steps) {
    const box = $("plan");
    if (!box || !steps) { return; }
    plan = steps;
    $("plan-steps").replaceChildren(...plan.map((step) => {
      const item = document.createElement("li");
      item.className = step.opened ? "plan-step done" : "plan-step";
      const text = document.createElement("span");
      text.textContent = `${step.text} (${kindLabels[step.kind] || step.kind}${step.opened ? ", shared" : ""})`;
      const open = document.createElement("button");
      open.type = "button";
      open.className = step.opened ? "secondary" : "";
      open.textContent = step.opened ? "Share again" : "Share";
      open.setAttribute("aria-label", `${open.textContent}: ${step.text.slice(0, 60)}`);
      open.addEventListener("click", async () => showError("prompt-error", await send("prompt.open", { plan_item: step.id })));
      item.append(text, " ", open);
      return item;
    }));
    show(box, plan.length > 0);
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
    const when = new Date(request.created_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    item.textContent = `${when}: ${request.label}`;
    show($("support-requests"), true);
  }

  function renderSupport(support) {
    if (support === undefined) { return; }
    if (isFacilitator) {
      const waiting = support.new;
      $("support-link").textContent = waiting === 1
        ? "1 support request is waiting for a facilitator (opens the list)"
        : `${waiting} support requests are waiting for a facilitator (opens the list)`;
      show($("support-notice"), waiting > 0);
      return;
    }
    [...support].reverse().forEach(renderSupportItem);
  }

  function renderState(state) {
    renderPrompt(state.prompt, state.you && state.you.answered);
    renderRevealed(state.revealed);
    renderParticipants(state.participants);
    renderTimer(state.timer);
    renderRound(state.round);
    renderCommitments(state.commitments);
    renderFollowUp(state.prompt);
    renderPlan(state.plan);
    renderSupport(state.support);
    handUp = Boolean(state.you && state.you.hand);
    const hand = $("hand-button");
    if (hand) {
      hand.setAttribute("aria-pressed", String(handUp));
      hand.textContent = handUp ? "Lower hand" : "Raise hand";
    }
    if (isFacilitator && state.count !== undefined) { $("response-count").textContent = state.count; }
  }

  // Socket events ----------------------------------------------------------------------------
  // Asked to leave (`session.left`, or a join refused as "removed"): say so calmly, point to help,
  // and stop; the server closes the socket and the page does not try to come back.
  function leave() {
    if (left) { return; }
    left = true;
    socket.disconnect();
    clearInterval(timerTick);
    document.querySelectorAll(".live-grid, .console").forEach((el) => { el.hidden = true; });
    show($("removed"), true);
    status("The facilitator has asked you to leave this session.");
  }

  async function joinAndRedraw() {
    if (left) { return; }
    const ack = await send("join");
    if (ack.ok) {
      renderState(ack.state);
      status(ack.state.status === "lobby" ? "You are in. The session will begin soon." : "You are in.");
    } else {
      status(ack.error.message);
      if (ack.error.code === "ended") { window.location.reload(); }
      if (ack.error.code === "removed") { leave(); }
    }
  }

  socket.on("connect", () => {
    status("Connected. Joining…");
    joinAndRedraw();
  });
  // The server may have missed telling us something (its message queue was away): join again
  // and redraw, after a moment's random wait so that a whole server's rooms do not join at once.
  socket.on("resync", () => { setTimeout(joinAndRedraw, Math.random() * 1000); });
  socket.on("disconnect", () => { if (!left) { status("Connection lost. Reconnecting…"); } });
  socket.on("connect_error", () => { if (!left) { status("Cannot reach the room right now. Trying again…"); } });
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
    status("You are in.");
    renderPrompt(prompt, false);
    renderRevealed(null);
    renderTimer(prompt.timer);
    if (isFacilitator) {
      $("response-count").textContent = "0";
      if (prompt.plan_item !== undefined) {
        renderPlan(plan.map((step) => (step.id === prompt.plan_item ? { ...step, opened: true } : step)));
      }
    }
    // Announced, never focused: whatever the person is typing, wherever, stays where it is.
    $("prompt-news").textContent = `A new prompt is open: ${prompt.text}`;
  });
  socket.on("prompt.revealed", (data) => {
    if (current && current.id === data.prompt_id) {
      current.status = "revealed";
      renderPrompt(current, true);
      show($("answered"), false);
    }
    renderRevealed(data.responses);
  });
  socket.on("prompt.closed", (data) => {
    if (current && current.id === data.prompt_id) {
      current.status = "closed";
      renderAnswerForm(current, true);
      show($("answered"), false);
      if (isFacilitator) { renderPrompt(current, true); }
    }
  });
  socket.on("response.count", (data) => { $("response-count").textContent = data.count; });
  socket.on("response.hidden", (data) => {
    const item = document.querySelector(`[data-response-id="${CSS.escape(data.response_id)}"]`);
    if (item) { item.remove(); }
  });
  socket.on("timer", renderTimer);
  socket.on("round", (data) => renderRound(data.round));
  socket.on("reaction", (data) => {
    const words = { heart: "Someone sent care.", thanks: "Someone said thanks.", resonates: "That resonates with someone.", breathe: "Someone invites a breath." };
    $("reaction-announcer").textContent = words[data.kind] || "";
  });
  socket.on("session.ended", () => window.location.reload());
  socket.on("support.requested", (data) => renderSupport(data));
  socket.on("support.status", (data) => {
    renderSupportItem(data.support);
    $("support-announcer").textContent = `Your request is now: ${data.support.label}.`;
  });

  // Member controls --------------------------------------------------------------------------
  const form = $("answer-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!current) { return; }
      let value;
      if (current.kind === "text" || current.kind === "commitment") {
        value = $("answer-text").value;
      } else {
        const chosen = form.querySelector('input[name="answer"]:checked');
        value = chosen ? Number(chosen.value) : null;
      }
      const ack = await send("response.submit", { prompt_id: current.id, value, client_id: form.dataset.clientId || (form.dataset.clientId = newClientId()) });
      showError("answer-error", ack);
      if (ack.ok) {
        delete form.dataset.clientId;
        show(form, false);
        show($("answered"), true);
        $("answered").focus();
      }
    });
    $("pass-button").addEventListener("click", async () => {
      if (!current) { return; }
      const ack = await send("response.pass", { prompt_id: current.id });
      showError("answer-error", ack);
      if (ack.ok) { show(form, false); show($("answered"), true); $("answered").focus(); }
    });
    $("hand-button").addEventListener("click", async () => {
      const ack = await send(handUp ? "hand.lower" : "hand.raise");
      if (ack.ok) {
        handUp = !handUp;
        $("hand-button").setAttribute("aria-pressed", String(handUp));
        $("hand-button").textContent = handUp ? "Lower hand" : "Raise hand";
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
        $("support-announcer").textContent = "Your facilitators have been asked to reach out to you.";
      }
    });
  }

  // Facilitator console ----------------------------------------------------------------------
  if (isFacilitator) {
    const kind = $("prompt-kind");
    const syncKind = () => {
      document.querySelectorAll("[data-for-kind]").forEach((el) => { el.hidden = el.dataset.forKind !== kind.value; });
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
      if (prompt.kind === "choice") { prompt.options = $("prompt-options").value.split("\n").map((s) => s.trim()).filter(Boolean); }
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
    const act = (id, event, payload) => $(id).addEventListener("click", async () => showError("console-error", await send(event, payload ? payload() : {})));
    act("reveal-button", "prompt.reveal", () => ({ prompt_id: current && current.id }));
    act("close-button", "prompt.close", () => ({ prompt_id: current && current.id }));
    act("timer-start", "timer.start", () => ({ seconds: Number($("timer-seconds").value) }));
    act("timer-stop", "timer.stop");
    act("round-start", "round.start");
    act("round-next", "round.next");
    act("round-end", "round.end");
    $("end-button").addEventListener("click", async () => {
      if (window.confirm("End the session for everyone? Answers are deleted; commitments stay with each member.")) {
        showError("console-error", await send("session.end"));
      }
    });
  }
})();
