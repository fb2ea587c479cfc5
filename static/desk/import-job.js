// The import job's page: redraws its progress bar from the job's JSON once a second and, when
// the job changes state (started, done, failed), swaps in the section the server renders for
// it, summary and table included, without reloading the page.
(function () {
  "use strict";

  const INTERVAL_MS = 1000;

  function number(value) {
    return Number(value).toLocaleString("en");
  }

  function follow(section) {
    const url = section.dataset.progressUrl;
    const live = document.getElementById("job-live");
    let state = section.dataset.state;

    function draw(job) {
      const bar = document.getElementById("job-progress");
      if (bar) {
        bar.max = Math.max(job.files_total, 1);
        bar.value = job.files_done;
        bar.textContent = `${job.files_done} of ${job.files_total}`;
      }
      const done = document.getElementById("job-done");
      const total = document.getElementById("job-total");
      if (done) done.textContent = number(job.files_done);
      if (total) total.textContent = number(job.files_total);
    }

    async function redraw() {
      // The page itself, read again: the server renders the summary and table once.
      const response = await fetch(window.location.href, {
        credentials: "same-origin", cache: "no-store",
      });
      if (!response.ok) throw new Error(`job page: ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("job-status");
      if (!fresh) throw new Error("job page: no #job-status");
      section.replaceWith(fresh);
      section = fresh;
      const summary = document.getElementById("import-summary");
      if (live) {
        const heading = fresh.querySelector("h2");
        live.textContent = [heading && heading.textContent, summary && summary.textContent]
          .filter(Boolean).join(": ");
      }
    }

    async function poll() {
      try {
        const response = await fetch(url, {
          credentials: "same-origin", cache: "no-store",
          headers: { Accept: "application/json" },
        });
        if (response.redirected) {
          window.location.reload(); // signed out: the login page says so
          return;
        }
        if (!response.ok) throw new Error(`job progress: ${response.status}`);
        const job = await response.json();
        if (job.state !== state) {
          await redraw();
          state = job.state;
        }
        draw(job);
        if (job.finished) return;
      } catch (error) {
        // A missed answer (the server restarting, a dropped connection): ask again.
        console.warn(error);
      }
      window.setTimeout(poll, INTERVAL_MS);
    }

    window.setTimeout(poll, INTERVAL_MS);
  }

  const section = document.getElementById("job-status");
  if (section && section.dataset.finished !== "true") follow(section);
})();
