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

// The form as the browser posts it (URL-encoded), with the button pressed, if any.
function encoded(form, action, submitter) {
  const data = new URLSearchParams(new FormData(form, submitter));
  if (action) data.set("action", action);
  return data.toString();
}

// Its size in bytes as sent: the browser sends each line break as CR LF.
function postSize(body) {
  return body.length + 3 * (body.match(/%0A/g) || []).length;
}

// The longest answers on the page, to name when what is typed is too large to save.
function longestAnswers(form) {
  return Array.from(form.querySelectorAll("textarea, input[type=text]"))
    .filter((field) => field.value.length > 0)
    .sort((a, b) => b.value.length - a.value.length)
    .slice(0, 3)
    .map((field) => {
      const label = form.querySelector(`label[for="${field.id}"]`);
      const name = label ? label.textContent.trim() : field.name;
      return { id: field.id, text: `\u2018${name}\u2019 has ${field.value.length.toLocaleString("en-GB")} characters` };
    });
}

// Refuses, in place, a post larger than the page takes: nothing is sent, so what was typed
// stays on the page, and the error summary says which answers to shorten.
function showTooLarge(form) {
  document.querySelector(".app-too-large")?.remove();
  const limit = Math.floor(Number(form.dataset.postLimit) / 1000).toLocaleString("en-GB");
  const summary = document.createElement("div");
  summary.className = "govuk-error-summary app-too-large";
  summary.tabIndex = -1;
  summary.innerHTML =
    '<div role="alert"><h2 class="govuk-error-summary__title">Your answers have not been saved</h2>' +
    '<div class="govuk-error-summary__body"><p class="govuk-body"></p>' +
    '<ul class="govuk-list govuk-error-summary__list"></ul></div></div>';
  summary.querySelector("p").textContent =
    `Together your answers are larger than ${limit} KB, far more than any answer needs, so ` +
    "nothing was sent. Everything you typed is still on this page: shorten the longest " +
    "answer, for example by attaching a long report as a file, then save again.";
  const list = summary.querySelector("ul");
  for (const answer of longestAnswers(form)) {
    const link = document.createElement("a");
    link.href = `#${answer.id}`;
    link.textContent = answer.text;
    const item = document.createElement("li");
    item.append(link);
    list.append(item);
  }
  form.parentElement.insertBefore(summary, form.parentElement.firstChild);
  summary.focus();
}

function tooLarge(form, body) {
  return postSize(body) > Number(form.dataset.postLimit);
}

// Saves a section every 30 seconds while it has unsaved changes, without touching focus or
// the caret: only the hidden draft version, the security token and a polite status line
// change. Returns `saveNow`, which saves at once if anything is unsaved.
function startAutosave(form) {
  const status = form.querySelector(".app-autosave-status");
  const version = form.querySelector("input[name=draft_version]");
  const token = form.querySelector("input[name=csrf_token]");
  let dirty = false;
  const markDirty = () => { dirty = true; };
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  form.addEventListener("submit", (event) => {
    if (tooLarge(form, encoded(form, "", event.submitter))) {
      event.preventDefault();
      showTooLarge(form);
      return;
    }
    dirty = false;
  });

  const post = async () => {
    const body = encoded(form, "autosave");
    if (tooLarge(form, body)) return { saved: false, reason: "too_large" };
    const response = await fetch(form.dataset.autosaveUrl, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
    });
    const answer = await response.json();
    return { ...answer, ok: response.ok };
  };

  const saveNow = async () => {
    if (!dirty) return;
    dirty = false;
    try {
      let answer = await post();
      if (answer.reason === "expired" && answer.csrf_token) {
        // The page's security token lapsed: the reply carries a fresh one; send again.
        token.value = answer.csrf_token;
        answer = await post();
      }
      if (answer.ok && answer.saved) {
        version.value = answer.version;
        status.textContent = answer.refused && answer.refused.length
          ? `Not everything was saved automatically: ${answer.refused[0]}`
          : `Saved automatically at ${timeNow()}`;
        document.dispatchEvent(new CustomEvent("advice:activity"));
      } else if (answer.reason === "conflict") {
        status.textContent = "Not saved automatically: this advice was saved from another " +
          "window. Press a save button to see what changed.";
      } else if (answer.reason === "no_access") {
        dirty = true;
        status.textContent = "Not saved automatically: for your security this page has " +
          "stopped working. Copy what you typed since you last saved, then open the link in " +
          "your email again.";
      } else if (answer.reason === "gone") {
        dirty = true;
        status.textContent = "Not saved automatically: this item was removed from another " +
          "window. Press Continue to see what you typed, to copy it.";
      } else if (answer.reason === "too_large") {
        dirty = true;
        status.textContent = "Not saved automatically: your answers are too large to save. " +
          "Shorten the longest answer.";
      } else {
        dirty = true;
      }
    } catch (error) {
      dirty = true;
      status.textContent = "Not saved automatically. Your answers will be saved when you " +
        "press a save button.";
    }
  };

  setInterval(saveNow, AUTOSAVE_EVERY_MS);
  return saveNow;
}

// Warns before access lapses, with one button to stay (WCAG 2.2.1 Timing Adjustable). Staying
// saves what was typed since the last save, and renews access.
function startTimeoutWarning(form, saveNow) {
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
    await saveNow();
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
  const saveNow = startAutosave(form);
  if (form.dataset.keepAliveUrl && form.dataset.accessSeconds) {
    startTimeoutWarning(form, saveNow);
  }
}

// Picking a contributor from the directory: the service's contact fills the details beside
// it that are blank, or still hold what an earlier pick filled; what was typed is kept.
// Without this script the server fills the blanks when the form is saved.
const DETAILS = ["name", "email", "organisation", "role"];

function fillFromService(picker) {
  const prefix = picker.dataset.directoryPicker;
  const option = picker.selectedOptions[0];
  for (const detail of DETAILS) {
    const input = document.getElementById(`${prefix}${detail}`);
    if (!input) continue;
    const untouched = input.value === "" || input.value === input.dataset.filledFromService;
    if (!untouched) continue;
    const value = option ? option.getAttribute(`data-fill-${detail}`) || "" : "";
    input.value = value;
    input.dataset.filledFromService = value;
  }
}

for (const picker of document.querySelectorAll("select[data-directory-picker]")) {
  picker.addEventListener("change", () => fillFromService(picker));
}
