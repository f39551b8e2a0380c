// Match review with the keyboard: c confirms, x rejects (through the API's review route, for
// the caller's agency), then on to the run's next open match; N (shift-n) skips to it; r
// reveals the focused (else the first) preview.
"use strict";

(() => {
  const review = document.getElementById("review");
  if (!review) return;
  const status = document.getElementById("review-status");
  const verdictShown = document.getElementById("verdict");
  const say = (text) => { if (status) status.textContent = text; };

  function onward() {
    if (review.dataset.next) window.location.assign(review.dataset.next);
  }

  async function decide(verdict) {
    const response = await Vigil.post(`/api/matches/${review.dataset.match}/review`, { verdict });
    if (!response.ok) {
      let message = `refused (${response.status})`;
      try { message = (await response.json()).error?.message || message; } catch { /* not JSON */ }
      say(`Could not record the verdict: ${message}`);
      return;
    }
    verdictShown.textContent = verdict;
    verdictShown.className = `verdict-${verdict}`;
    say(`Match ${review.dataset.match} ${verdict}${review.dataset.next ? "; opening the next open match" : ""}`);
    onward();
  }

  function reveal() {
    if (document.activeElement?.closest?.("[data-media]")) {
      Vigil.revealFocused();
      return;
    }
    const button = document.querySelector("figure.preview button.reveal");
    if (button) Vigil.reveal(button);
  }

  for (const button of review.querySelectorAll("button[data-verdict]")) {
    button.addEventListener("click", () => decide(button.dataset.verdict));
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, select, textarea")) return;
    const actions = { c: () => decide("confirmed"), x: () => decide("rejected"), N: onward, r: reveal };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
