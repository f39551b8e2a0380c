// Vigil's shared page behaviour: the CSRF token for scripted requests, the audited reveal of a
// preview, and the exposure heartbeat of media pages. No inline script anywhere (the CSP).
"use strict";

const Vigil = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  async function post(url, body) {
    const init = { method: "POST", headers: { "X-CSRF-Token": csrf() }, credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init);
  }

  // A reveal is a deliberate act: one POST per view, audited by the server; the clear image
  // lives only in this page's memory (a blob URL) and is gone with the page.
  async function reveal(button) {
    const figure = button.closest("figure.preview");
    const img = figure?.querySelector("img");
    if (!img || figure.classList.contains("revealed")) return;
    button.disabled = true;
    const response = await post(button.dataset.reveal);
    if (!response.ok) {
      button.disabled = false;
      button.textContent = "Reveal failed";
      return;
    }
    const blob = await response.blob();
    img.src = URL.createObjectURL(blob);
    img.alt = img.alt.replace(/^Blurred preview/, "Revealed preview");
    figure.classList.add("revealed");
    button.textContent = "Revealed";
  }

  function revealFocused() {
    const figure = document.activeElement?.closest?.("[data-media]") ||
      document.querySelector(".current figure.preview, figure.preview.current");
    const button = figure?.querySelector("button.reveal");
    if (button) reveal(button);
  }

  // Minutes on media pages count towards the user's daily exposure: while such a page is
  // visible, a heartbeat every 30 s says so.
  function heartbeat() {
    if (!document.body.hasAttribute("data-media-page")) return;
    const beat = () => { if (document.visibilityState === "visible") post("/api/me/exposure", { seconds: 30 }); };
    setInterval(beat, 30000);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest?.("button.reveal");
    if (button) reveal(button);
  });
  document.addEventListener("DOMContentLoaded", heartbeat);
  return { csrf, post, reveal, revealFocused };
})();
