// advice_hub's scripts. Every page works without them; they only add convenience.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();

const AUTOSAVE_EVERY_MS = 30000;

function timeNow() {
  return new Date().toLocaleTimeString("en-GB", { hour: "numeric", minute: "2-digit" });
}

function csrfToken(form) {
  const input = form.querySelector("input[name=csrf_token]");
  return input ? input.value : "";
}

// Saves a section every 30 seconds while it has unsaved changes, without touching focus or
// the caret: only the hidden draft version and a polite status line change.
function startAutosave(form) {
  const status = form.querySelector(".app-autosave-status");
  const version = form.querySelector("input[name=draft_version]");
  let dirty = false;
  const markDirty = () => { dirty = true; };
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", () => { dirty = false; });

  setInterval(async () => {
    if (!dirty) return;
    dirty = false;
    const data = new FormData(form);
    data.set("action", "autosave");
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const body = await response.json();
      if (response.ok && body.saved) {
        version.value = body.version;
        status.textContent = `Saved automatically at ${timeNow()}`;
        document.dispatchEvent(new CustomEvent("advice:activity"));
      } else if (body.reason === "conflict") {
        status.textContent = "Not saved automatically: this advice was saved from another " +
          "window. Press a save button to see what changed.";
      } else {
        dirty = true;
      }
    } catch (error) {
      dirty = true;
      status.textContent = "Not saved automatically. Your answers will be saved when you " +
        "press a save button.";
    }
  }, AUTOSAVE_EVERY_MS);
}

// Warns before access lapses, with one button to stay (WCAG 2.2.1 Timing Adjustable).
function startTimeoutWarning(form) {
  const lifetime = Number(form.dataset.accessSeconds) * 1000;
  const warnBefore = Math.min(5 * 60 * 1000, lifetime / 5);
  let warnTimer;
  let banner;

  const schedule = () => {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(showWarning, lifetime - warnBefore);
  };

  const showWarning = () => {
    if (banner) return;
    banner = document.createElement("div");
    banner.className = "govuk-notification-banner app-timeout-warning";
    banner.setAttribute("role", "alert");
    banner.innerHTML =
      '<div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title">' +
      "Important</h2></div><div class=\"govuk-notification-banner__content\">" +
      '<p class="govuk-notification-banner__heading">For your security, this page will stop ' +
      "working soon if nothing is saved. Your saved answers are safe.</p>" +
      '<button type="button" class="govuk-button govuk-!-margin-bottom-0">Stay on this page</button></div>';
    banner.querySelector("button").addEventListener("click", stay);
    form.parentElement.insertBefore(banner, form.parentElement.firstChild);
  };

  const stay = async () => {
    let renewed = false;
    try {
      const response = await fetch(form.dataset.keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
      });
      // Read the answer: a body left unread keeps the request open until the page is left.
      const body = await response.json();
      renewed = response.ok && body.renewed === true;
    } catch (error) {
      renewed = false; // the warning stays, so the person can press the button again
    }
    if (renewed && banner) {
      banner.remove();
      banner = undefined;
      schedule();
    }
  };

  document.addEventListener("advice:activity", schedule);
  schedule();
}

for (const form of document.querySelectorAll("form[data-autosave-url]")) {
  startAutosave(form);
  if (form.dataset.keepAliveUrl && form.dataset.accessSeconds) {
    startTimeoutWarning(form);
  }
}
