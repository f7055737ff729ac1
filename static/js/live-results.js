// Revealed answers drawn so they can be read at a glance: bars with counts for scales, choices
// and picks (with the mean for scales), a word cloud for one-word prompts (hidden from screen
// readers, which get a list of words with counts), and a plain list for everything else.
// Used by the live room and the presenter view; plain DOM, no library.
"use strict";

(() => {
  const L = (window.CirclesLive = window.CirclesLive || {});
  const CHARTED = ["scale", "choice", "pick", "word"];

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  };
  // Every text shown or said comes from the page, in its language (templates/live/_texts.html);
  // a count has a text for one and one for more.
  const T = (key, values) => window.Circles.text(key, values);
  const answers = (n) => T(`answers_${n === 1 ? "one" : "other"}`, { num: n });

  // The text a response shows: the option(s) for choice and pick, the value otherwise.
  function shownValue(response) {
    if (Array.isArray(response.label)) { return response.label.join(", "); }
    if (response.label !== undefined && response.label !== null) { return String(response.label); }
    if (Array.isArray(response.value)) { return response.value.join(", "); }
    return String(response.value);
  }

  // The server sends a summary with each reveal; this is the same count made here, for a reveal
  // without one (an older server) and for a hidden answer whose event carries none.
  function summarize(prompt, responses) {
    if (!prompt || !CHARTED.includes(prompt.kind)) { return null; }
    const list = responses || [];
    if (prompt.kind === "word") {
      const counts = new Map();
      list.forEach((r) => {
        const word = String(r.value).toLowerCase();
        counts.set(word, (counts.get(word) || 0) + 1);
      });
      const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      return { n: list.length, words: sorted.map((e) => e[0]), counts: sorted.map((e) => e[1]) };
    }
    if (prompt.kind === "scale") {
      const counts = new Array(prompt.max - prompt.min + 1).fill(0);
      let total = 0;
      list.forEach((r) => { counts[Number(r.value) - prompt.min] += 1; total += Number(r.value); });
      const mean = list.length ? Math.round((total / list.length) * 10) / 10 : null;
      return { n: list.length, counts, mean };
    }
    const counts = new Array((prompt.options || []).length).fill(0);
    list.forEach((r) => {
      (Array.isArray(r.value) ? r.value : [r.value]).forEach((i) => { if (i in counts) { counts[i] += 1; } });
    });
    return { n: list.length, counts };
  }

  // Horizontal bars (choice, pick) or columns (scale): a list; each item is read as
  // "label: N answers" and drawn as label, bar and count (the drawing is hidden from readers).
  function bars(labels, counts, columns) {
    const max = Math.max(1, ...counts);
    const list = el("ul", columns ? "chart-columns" : "chart-bars");
    labels.forEach((label, i) => {
      const n = counts[i] || 0;
      const item = el("li", "chart-item");
      const drawn = el("span", "chart-drawn");
      drawn.setAttribute("aria-hidden", "true");
      const track = el("span", "chart-track");
      const fill = el("span", "chart-fill");
      const share = `${Math.round((n / max) * 100)}%`;
      if (columns) { fill.style.height = share; } else { fill.style.width = share; }
      track.append(fill);
      const name = el("span", "chart-label", label);
      const count = el("span", "chart-count", String(n));
      if (columns) { drawn.append(count, track, name); } else { drawn.append(name, track, count); }
      item.append(el("span", "visually-hidden", T("bar_label", { label, answers: answers(n) })), drawn);
      list.append(item);
    });
    return list;
  }

  function scaleLabels(prompt, length) {
    const low = prompt ? prompt.min : 0;
    return Array.from({ length }, (_, i) => String(low + i));
  }

  function wordCloud(summary) {
    const box = el("div");
    const cloud = el("p", "word-cloud");
    cloud.setAttribute("aria-hidden", "true");
    const top = Math.max(1, ...summary.counts);
    summary.words.forEach((word, i) => {
      const item = el("span", "cloud-word", word);
      item.dataset.count = summary.counts[i];
      item.style.fontSize = `${(1 + (2.2 * (summary.counts[i] - 1)) / Math.max(1, top - 1)).toFixed(2)}em`;
      cloud.append(item, " ");
    });
    const list = el("ul", "visually-hidden word-list");
    list.setAttribute("aria-label", T("words_label"));
    summary.words.forEach((word, i) => list.append(el("li", "", `${word}: ${summary.counts[i]}`)));
    box.append(cloud, list);
    return box;
  }

  function chart(prompt, summary) {
    const box = el("div", "chart-box");
    const line = [answers(summary.n)];
    if (prompt.kind === "scale" && summary.mean !== undefined && summary.mean !== null) {
      const mean = Number(summary.mean).toLocaleString(document.documentElement.lang || [], { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      line.push(T("average", { mean }));
    }
    box.append(el("p", "result-summary", line.join(" · ")));
    if (prompt.kind === "word") {
      box.append(wordCloud(summary));
    } else if (prompt.kind === "scale") {
      const columns = bars(scaleLabels(prompt, summary.counts.length), summary.counts, true);
      columns.setAttribute("aria-label", T("each_value_label"));
      box.append(columns);
      if (prompt.min_label || prompt.max_label) {
        const ends = el("p", "chart-ends meta");
        ends.append(el("span", "", `${prompt.min}: ${prompt.min_label || ""}`), el("span", "", `${prompt.max}: ${prompt.max_label || ""}`));
        box.append(ends);
      }
    } else {
      const list = bars(prompt.options || summary.counts.map((_, i) => T("option_n", { num: i + 1 })), summary.counts, false);
      list.setAttribute("aria-label", T("each_option_label"));
      box.append(list);
    }
    return box;
  }

  // Draw a reveal into `container`. opts: {prompt, responses, summary, showAuthors, onHide,
  // idPrefix, headingLevel}. Responses null: nothing revealed (the container is emptied).
  function render(container, opts) {
    const before = container.querySelector("details.each-answer");
    const wasOpen = Boolean(before && before.open);
    const hadFocus = container.contains(document.activeElement); // e.g. on a "Hide" just used
    container.replaceChildren();
    const responses = opts.responses;
    if (!responses) { return; }
    const prompt = opts.prompt || { kind: "text" };
    const prefix = opts.idPrefix || "revealed";
    const heading = el(opts.headingLevel || "h3");
    heading.id = `${prefix}-heading`;
    const list = el("ul", "revealed");
    list.id = `${prefix}-list`;
    responses.forEach((response) => {
      const value = shownValue(response);
      const item = el("li", "", opts.showAuthors && response.author ? `${response.author}: ${value}` : value);
      item.dataset.responseId = response.id;
      if (opts.onHide) {
        const hide = el("button", "link-button", T("hide"));
        hide.type = "button";
        hide.setAttribute("aria-label", T("hide_label", { answer: value.slice(0, 40) }));
        hide.addEventListener("click", () => opts.onHide(response));
        item.append(" ", hide);
      }
      list.append(item);
    });
    const charted = CHARTED.includes(prompt.kind);
    if (!charted) {
      heading.textContent = T("answers_random");
      list.setAttribute("aria-labelledby", heading.id);
      container.append(heading, list);
      if (!responses.length) { container.append(el("p", "meta", T("no_answers"))); }
      keepFocus(hadFocus, heading);
      return;
    }
    heading.textContent = T("results");
    container.append(heading, chart(prompt, opts.summary || summarize(prompt, responses)));
    if (opts.listAnswers !== false && responses.length) {
      const more = el("details", "each-answer");
      more.append(el("summary", "", T("each_answer", { num: responses.length })));
      list.setAttribute("aria-label", T("each_answer_label"));
      more.append(list);
      more.open = wasOpen;
      container.append(more);
    }
    keepFocus(hadFocus, heading);
  }

  // The focus was in the answers (a "Hide" button now gone): keep it near, on the heading.
  function keepFocus(hadFocus, heading) {
    if (!hadFocus) { return; }
    heading.tabIndex = -1;
    heading.focus();
  }

  L.results = { render, summarize, shownValue, CHARTED };
})();
