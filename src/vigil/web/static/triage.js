// Keyboard triage of an ingest run's grid: no mouse needed. The tiles are one roving tab
// stop (the current tile has tabindex 0 and the class "current"); the keys are listed in the
// page's help panel (?). Every action is announced in the polite status line.
"use strict";

(() => {
  const grid = document.getElementById("triage-grid");
  const status = document.getElementById("triage-status");
  const help = document.getElementById("triage-help");
  const helpToggle = document.getElementById("triage-help-toggle");
  const seriesSelect = document.getElementById("triage-series");

  const tiles = () => (grid ? [...grid.querySelectorAll(".tile")] : []);
  const current = () => grid?.querySelector(".tile.current") || tiles()[0];
  const say = (text) => { if (status) status.textContent = text; };

  function select(tile, focus = true) {
    if (!tile) return;
    for (const other of tiles()) {
      other.classList.remove("current");
      other.tabIndex = -1;
    }
    tile.classList.add("current");
    tile.tabIndex = 0;
    if (focus) {
      tile.focus();
      tile.scrollIntoView({ block: "nearest" });
    }
  }

  function step(delta) {
    const all = tiles();
    const index = all.indexOf(current());
    select(all[Math.min(all.length - 1, Math.max(0, index + delta))]);
  }

  // A row is the tiles sharing the current one's top edge.
  function columns() {
    const all = tiles();
    if (!all.length) return 1;
    const top = all[0].offsetTop;
    const count = all.filter((tile) => tile.offsetTop === top).length;
    return Math.max(1, count);
  }

  async function failure(response) {
    try {
      const body = await response.json();
      return body.error?.message || `refused (${response.status})`;
    } catch {
      return `refused (${response.status})`;
    }
  }

  async function mark(verdict) {
    const tile = current();
    if (!tile) return;
    const response = await Vigil.post(grid.dataset.marks, { media: [Number(tile.dataset.media)], verdict });
    if (!response.ok) {
      say(`Could not mark ${tile.dataset.name}: ${await failure(response)}`);
      return;
    }
    tile.classList.remove("marked-not_pertinent", "marked-pertinent");
    tile.classList.add(`marked-${verdict}`);
    say(`Marked file ${tile.dataset.name} ${verdict.replace("_", " ")}`);
    step(1);
  }

  async function assign() {
    const tile = current();
    if (!tile) return;
    const option = seriesSelect?.selectedOptions[0];
    if (!option || !option.value) {
      say("Choose a series first (the Series list above the grid)");
      seriesSelect?.focus();
      return;
    }
    const response = await Vigil.post(`/api/series/${option.value}/media`, { media: [Number(tile.dataset.media)] });
    if (!response.ok) {
      say(`Could not assign ${tile.dataset.name}: ${await failure(response)}`);
      return;
    }
    say(`Assigned file ${tile.dataset.name} to series ${option.textContent.trim()}`);
    step(1);
  }

  function toggleHelp() {
    const open = help.classList.toggle("open");
    helpToggle?.setAttribute("aria-expanded", String(open));
    say(open ? "Keys shown" : "Keys hidden");
  }

  const KEYS = {
    j: () => step(1),
    ArrowRight: () => step(1),
    k: () => step(-1),
    ArrowLeft: () => step(-1),
    ArrowDown: () => step(columns()),
    ArrowUp: () => step(-columns()),
    s: assign,
    n: () => mark("not_pertinent"),
    p: () => mark("pertinent"),
    o: () => { const tile = current(); if (tile) window.location.assign(tile.dataset.open); },
    r: () => { select(current()); Vigil.revealFocused(); },
    "?": toggleHelp,
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest?.("input, select, textarea")) return;
    if (event.key === "Enter" && target.closest?.("button, a")) return;
    const key = event.key === "Enter" ? "o" : event.key;
    const action = KEYS[key];
    if (!action || (key !== "?" && !grid)) return;
    event.preventDefault();
    action();
  });

  grid?.addEventListener("click", (event) => {
    const tile = event.target.closest(".tile");
    if (tile) select(tile, !event.target.closest("button"));
  });
  grid?.addEventListener("focusin", (event) => {
    const tile = event.target.closest(".tile");
    if (tile && !tile.classList.contains("current")) select(tile, false);
  });
  helpToggle?.addEventListener("click", toggleHelp);
  if (grid) select(tiles()[0], false);
})();
