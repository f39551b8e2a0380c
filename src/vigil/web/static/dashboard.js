// The dashboard's live ingest progress: while a run is running, its row is refreshed from
// GET /api/ingest-runs/{id} every 2 s (files done / total, and the preview pass's progress
// where the run reports one).
"use strict";

(() => {
  const POLL_MS = 2000;

  function previewProgress(run) {
    const done = run.previews_done ?? run.preview?.done;
    const total = run.previews_total ?? run.preview?.total;
    if (done === undefined || done === null) return "";
    return ` · previews ${done}${total !== undefined && total !== null ? " / " + total : ""}`;
  }

  function show(row, run) {
    const status = row.querySelector('[data-field="status"]');
    status.textContent = run.status;
    status.className = `status-${run.status}`;
    const total = run.files_total === null || run.files_total === undefined ? "" : ` / ${run.files_total}`;
    const progress = row.querySelector('[data-field="progress"]');
    progress.textContent = `${run.files_done}${total} files${previewProgress(run)}`;
    if (run.notice) progress.title = run.notice;
    row.dataset.status = run.status;
  }

  async function poll() {
    const rows = [...document.querySelectorAll('#runs tr[data-status="running"]')];
    if (!rows.length) return;
    await Promise.all(rows.map(async (row) => {
      const response = await fetch(`/api/ingest-runs/${row.dataset.run}`, { credentials: "same-origin" });
      if (response.ok) show(row, await response.json());
    }));
    const left = document.querySelectorAll('#runs tr[data-status="running"]').length;
    const status = document.getElementById("runs-status");
    if (status && !left) status.textContent = "All ingest runs have stopped.";
    if (left) setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => setTimeout(poll, POLL_MS));
})();
