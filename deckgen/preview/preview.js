// The preview page's own script (deckgen preview): search and filters, day/night, the phone and
// compact views and, when the page is served, a reload when the cards change. It changes the page
// around the cards and never a card's own HTML, which stays as Anki shows it.
"use strict";
(function () {
  const body = document.body;
  const byId = (id) => document.getElementById(id);
  const notes = Array.from(document.querySelectorAll(".preview-note"));
  const sections = Array.from(document.querySelectorAll(".preview-subdeck"));
  const texts = new Map(notes.map((note) => [note, note.textContent.toLowerCase()]));
  const filters = ["search", "subdeck", "tag", "kind", "changed"]
    .map((name) => byId("_" + name)).filter((control) => control !== null);
  const total = Number(body.dataset.cards);

  // Storage may be refused (a file opened with storage blocked): the page then forgets, nothing more.
  function stored(area, key, value) {
    try {
      if (value === undefined) return JSON.parse(window[area].getItem(key));
      window[area].setItem(key, JSON.stringify(value));
    } catch (error) { /* not remembered */ }
    return null;
  }
  // Filters belong to this tab and survive the reload of a served page; day/night and the views
  // are the educator's preference, kept for every preview.
  const FILTERS = "deckgen-preview-filters", LOOK = "deckgen-preview-look";

  function cards(count) { return count + (count === 1 ? " card" : " cards"); }

  function matches(note, words) {
    const subdeck = byId("_subdeck").value, tag = byId("_tag").value, kind = byId("_kind").value;
    const changedOnly = byId("_changed") !== null && byId("_changed").checked;
    return (!subdeck || note.dataset.subdeck === subdeck)
      && (!tag || note.dataset.tags.split(" ").includes(tag))
      && (!kind || note.dataset.kind === kind)
      && (!changedOnly || note.dataset.change !== "")
      && words.every((word) => texts.get(note).includes(word));
  }

  function apply() {
    const words = byId("_search").value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const note of notes) {
      const match = matches(note, words);
      note.hidden = !match;
      if (match) shown += Number(note.dataset.cards);
    }
    for (const section of sections) {
      section.hidden = section.querySelector(".preview-note:not([hidden])") === null;
    }
    byId("_status").textContent = shown === total ? cards(total) : shown + " of " + cards(total);
    const state = {};
    for (const control of filters) state[control.id] = control.type === "checkbox" ? control.checked : control.value;
    stored("sessionStorage", FILTERS, state);
  }

  // Each switch puts its classes on the body: Anki's own for night mode (the deck's night rules
  // apply) and, for the phone view, AnkiDroid's and AnkiMobile's `mobile` (the deck's .mobile rules).
  const SWITCHES = { night: ["nightMode", "night_mode"], phone: ["preview-phone", "mobile"],
    compact: ["preview-compact"] };
  const chosen = {};
  function look() {
    for (const [name, classes] of Object.entries(SWITCHES)) {
      for (const name_ of classes) body.classList.toggle(name_, chosen[name]);
      byId("_" + name).setAttribute("aria-pressed", String(chosen[name]));
    }
    stored("localStorage", LOOK, chosen);
  }

  const state = stored("sessionStorage", FILTERS) || {};
  for (const control of filters) {
    const value = state[control.id];
    if (control.type === "checkbox") control.checked = value === true;
    else if (typeof value === "string" && (control.tagName !== "SELECT"
      || Array.from(control.options).some((option) => option.value === value))) control.value = value;
    control.addEventListener(control.type === "search" ? "input" : "change", apply);
  }
  const preference = stored("localStorage", LOOK) || {};
  for (const name of Object.keys(SWITCHES)) {
    chosen[name] = preference[name] === true;
    byId("_" + name).addEventListener("click", () => {
      chosen[name] = !chosen[name];
      look();
    });
  }
  look();
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && document.activeElement === body) {  // as in MkDocs and GitHub
      event.preventDefault();
      byId("_search").focus();
    }
  });
  apply();

  // Served: ask the server which build it has; a new one (a card, a template or the CSS changed)
  // reloads the page, which keeps its filters and, by the browser's own restoring, its place.
  const version = body.dataset.version;
  if (version !== undefined) {
    const poll = () => {
      fetch(body.dataset.versionUrl, { cache: "no-store" })
        .then((response) => response.text())
        .then((latest) => {
          if (latest.trim() !== version) {
            location.reload();
            return;
          }
          byId("_live").textContent = "· live";
          setTimeout(poll, 400);
        })
        .catch(() => {
          byId("_live").textContent = "· the preview server stopped";
          setTimeout(poll, 2000);
        });
    };
    poll();
  }
})();
