// A member's answer form: one field per kind of prompt, passing, and changing an answer before
// the reveal. The receipt of an answer (its client_id) is known only to this page: it is kept in
// sessionStorage per session and prompt, so that a reload can still change the answer. The
// answer itself is only remembered in memory (to fill the form again), never stored.
"use strict";

(() => {
  const L = (window.CirclesLive = window.CirclesLive || {});

  const T = (key, values) => window.Circles.text(key, values);

  L.answer = (ctx) => {
    const { $, show, send, showError } = ctx;
    const form = $("answer-form");
    const fields = $("answer-fields");
    const given = new Map(); // prompt id -> the value this page sent (to fill the form again)
    let prompt = null;
    let changing = false;

    const receiptKey = (id) => `circles.live.${ctx.sessionId}.${id}`;
    function receipt(id) {
      try { return window.sessionStorage.getItem(receiptKey(id)); } catch (e) { return null; }
    }
    function keepReceipt(id, clientId) {
      try { window.sessionStorage.setItem(receiptKey(id), clientId); } catch (e) { /* private mode: no change after reload */ }
    }
    const newClientId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;

    const isOpen = (p) => Boolean(p && p.status === "open" && p.kind !== "reflection");
    const changeable = (p) => isOpen(p) && p.anonymous && Boolean(receipt(p.id));

    function node(tag, className, text) {
      const el = document.createElement(tag);
      if (className) { el.className = className; }
      if (text !== undefined) { el.textContent = text; }
      return el;
    }

    function choiceSet(legend, type, labels, values, className) {
      const set = node("fieldset", className);
      set.append(node("legend", "", legend));
      const list = node("div", "option-list");
      labels.forEach((label, i) => {
        const option = node("label", className === "scale-chips" ? "chip" : "option-row");
        const input = node("input");
        input.type = type;
        input.name = "answer";
        input.value = String(values[i]);
        option.append(input, node("span", "", label));
        list.append(option);
      });
      set.append(list);
      return set;
    }

    function limitPicks(max) {
      const boxes = [...fields.querySelectorAll('input[name="answer"]')];
      const chosen = boxes.filter((b) => b.checked).length;
      boxes.forEach((b) => {
        b.disabled = !b.checked && chosen >= max;
        b.closest("label").classList.toggle("is-disabled", b.disabled);
      });
      $("pick-count").textContent = T(chosen >= max ? "picks_full" : "picks_chosen", { chosen, max });
    }

    function buildFields(p) {
      fields.replaceChildren();
      if (p.kind === "text" || p.kind === "commitment") {
        const wrap = node("div", "field");
        const label = node("label", "", T("your_answer"));
        label.htmlFor = "answer-text";
        const text = node("textarea");
        text.id = "answer-text";
        text.maxLength = 1000;
        text.required = true;
        wrap.append(label, text);
        fields.append(wrap);
      } else if (p.kind === "word") {
        const wrap = node("div", "field");
        const label = node("label", "", T("your_word"));
        label.htmlFor = "answer-word";
        const word = node("input");
        word.id = "answer-word";
        word.type = "text";
        word.maxLength = 30;
        word.autocomplete = "off";
        word.required = true;
        word.setAttribute("aria-describedby", "answer-word-hint");
        const hint = node("p", "hint", T("one_word"));
        hint.id = "answer-word-hint";
        wrap.append(label, word, hint);
        fields.append(wrap);
      } else if (p.kind === "scale") {
        const values = [];
        for (let n = p.min; n <= p.max; n += 1) { values.push(n); }
        const legend = T("scale_legend", { min: p.min, min_label: p.min_label || T("lowest"), max: p.max, max_label: p.max_label || T("highest") });
        fields.append(choiceSet(legend, "radio", values.map(String), values, "scale-chips"));
      } else if (p.kind === "choice") {
        fields.append(choiceSet(T("choose_one"), "radio", p.options, p.options.map((_, i) => i), "choices-set"));
      } else if (p.kind === "pick") {
        const max = p.max_picks || 1;
        const set = choiceSet(T("choose_up_to", { num: max }), "checkbox", p.options, p.options.map((_, i) => i), "choices-set");
        const count = node("p", "hint");
        count.id = "pick-count";
        count.setAttribute("aria-live", "polite");
        set.append(count);
        fields.append(set);
        set.addEventListener("change", () => limitPicks(max));
        limitPicks(max);
      }
    }

    function fill(p, value) {
      if (value === undefined || value === null) { return; }
      if (p.kind === "text" || p.kind === "commitment") { $("answer-text").value = value; return; }
      if (p.kind === "word") { $("answer-word").value = value; return; }
      const values = (Array.isArray(value) ? value : [value]).map(String);
      fields.querySelectorAll('input[name="answer"]').forEach((input) => { input.checked = values.includes(input.value); });
      if (p.kind === "pick") { limitPicks(p.max_picks || 1); }
    }

    function read(p) {
      if (p.kind === "text" || p.kind === "commitment") { return $("answer-text").value; }
      if (p.kind === "word") { return $("answer-word").value.trim(); }
      const chosen = [...fields.querySelectorAll('input[name="answer"]:checked')].map((i) => Number(i.value));
      if (p.kind === "pick") { return chosen; }
      return chosen.length ? chosen[0] : null;
    }

    function setMode(change) {
      changing = change;
      $("answer-submit").textContent = change ? T("save_change") : T("share_answer");
      $("pass-button").textContent = change ? T("pass_instead") : T("pass");
    }

    function showAnswered(p) {
      show(form, false);
      show($("answered-box"), true);
      show($("change-box"), changeable(p));
    }

    // Draw the form for the prompt on screen (or hide it): answered says this person has
    // answered or passed already. Any error of an earlier prompt goes with it.
    function render(p, answered) {
      const samePrompt = prompt && p && prompt.id === p.id;
      prompt = p;
      showError("answer-error", null);
      if (!isOpen(p)) {
        fields.replaceChildren();
        show(form, false);
        show($("answered-box"), false);
        return;
      }
      if (answered) {
        if (samePrompt && changing && !form.hidden) { return; } // still changing it
        setMode(false);
        showAnswered(p);
        return;
      }
      setMode(false);
      buildFields(p);
      show($("answered-box"), false);
      show(form, true);
    }

    async function deliver(value, passing) {
      const p = prompt;
      if (!p) { return; }
      let ack;
      if (changing) {
        ack = await send("response.change", { prompt_id: p.id, value: passing ? null : value, client_id: receipt(p.id) });
      } else {
        const clientId = receipt(p.id) || newClientId();
        keepReceipt(p.id, clientId);
        ack = passing
          ? await send("response.pass", { prompt_id: p.id, client_id: clientId })
          : await send("response.submit", { prompt_id: p.id, value, client_id: clientId });
      }
      showError("answer-error", ack);
      if (ack.ok) {
        if (passing) { given.delete(p.id); } else { given.set(p.id, value); }
        setMode(false);
        showAnswered(p);
        $("answered").focus();
      } else if (ack.error && ack.error.code === "closed") {
        show(form, false);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (prompt) { deliver(read(prompt), false); }
    });
    $("pass-button").addEventListener("click", () => deliver(null, true));
    $("change-button").addEventListener("click", () => {
      if (!prompt || !changeable(prompt)) { return; }
      setMode(true);
      buildFields(prompt);
      fill(prompt, given.get(prompt.id));
      show($("answered-box"), false);
      show(form, true);
      const first = fields.querySelector("input:not([disabled]), textarea");
      if (first) { first.focus(); }
    });

    return { render };
  };
})();
