// The warning before the idle sign-out (WCAG 2.2.1, Timing Adjustable): a fixed time
// before the hub signs its user out for not using it, a dialog says so and offers "Stay
// signed in", which counts as using the hub. The server keeps the time: before warning,
// and when the time is up, the page asks it how long the session has left, since the
// user may be working in another tab. Copied into hub/static/ by copy.mjs; the dialog is
// hub/templates/_timeout_warning.html, on signed-in pages only.

// How long to wait before asking the server again when it did not answer.
const RETRY_MS = 10_000;
// Screen readers hear the countdown once a minute, and once more at this many seconds.
const LAST_CALL = 20;

const dialog = document.getElementById("hub-timeout-warning");
if (dialog && typeof dialog.showModal === "function") {
  warnBeforeSignOut(dialog);
}

function warnBeforeSignOut(dialog) {
  const data = dialog.dataset;
  const warnBeforeMs = Number(data.warnBefore) * 1000;
  const countdown = dialog.querySelector("[data-countdown]");
  const announcer = dialog.querySelector("[data-announcer]");
  const stay = dialog.querySelector("[data-stay-signed-in]");
  let timer = null;
  let ticking = null;
  let endsAt = 0;
  let announced = null;
  let staying = false;

  function schedule(secondsLeft) {
    clearTimeout(timer);
    endsAt = Date.now() + secondsLeft * 1000;
    const untilWarning = secondsLeft * 1000 - warnBeforeMs;
    if (untilWarning > 0) {
      hide();
      timer = setTimeout(ask, untilWarning);
    } else {
      show();
      // A second past the end, so that the server has ended the session by then.
      timer = setTimeout(ask, secondsLeft * 1000 + 1000);
    }
  }

  async function ask() {
    clearTimeout(timer);
    let response;
    try {
      response = await fetch(data.timeLeftUrl, {
        headers: { Accept: "application/json" },
        redirect: "manual",
      });
    } catch {
      timer = setTimeout(ask, RETRY_MS);
      return;
    }
    if (response.ok) {
      schedule((await response.json()).seconds_left);
    } else if (response.status === 401 || response.type === "opaqueredirect") {
      toSignIn();
    } else {
      timer = setTimeout(ask, RETRY_MS);
    }
  }

  async function staySignedIn() {
    if (staying) return;
    staying = true;
    try {
      const response = await fetch(data.staySignedInUrl, {
        method: "POST",
        headers: { "X-CSRFToken": data.csrfToken },
        redirect: "manual",
      });
      if (response.status === 401) {
        toSignIn();
        return;
      }
    } catch {
      // No answer: asking how long is left says what to do next.
    } finally {
      staying = false;
    }
    await ask();
  }

  function toSignIn() {
    // The server has ended the session and left its message for the sign-in page.
    const here = window.location.pathname + window.location.search;
    window.location.assign(`${data.signInUrl}?next=${encodeURIComponent(here)}`);
  }

  function show() {
    if (!dialog.open) {
      announced = null;
      tick();
      dialog.showModal();
      stay.focus();
    }
    clearInterval(ticking);
    ticking = setInterval(tick, 1000);
  }

  function hide() {
    clearInterval(ticking);
    if (dialog.open) dialog.close();
  }

  function tick() {
    const seconds = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
    countdown.textContent = inWords(seconds);
    // The time left as the dialog opens, then once a minute, then once in the last
    // LAST_CALL seconds; never every second.
    const period = seconds > LAST_CALL ? `m${Math.ceil(seconds / 60)}` : "last";
    if (period !== announced) {
      const onTheMinute = announced !== null && seconds > LAST_CALL;
      announced = period;
      const said = inWords(onTheMinute ? Math.ceil(seconds / 60) * 60 : seconds);
      announcer.textContent = `To protect the information in the hub, we will sign you out in ${said}.`;
    }
  }

  stay.addEventListener("click", staySignedIn);
  // Escape does what "Stay signed in" does (the dialog stays open until the server answers).
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    staySignedIn();
  });
  dialog.querySelector("[data-sign-out]").addEventListener("click", (event) => {
    event.preventDefault();
    dialog.querySelector("[data-sign-out-form]").submit();
  });
  // A tab in the background may have slept through its timers: ask again on return.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") ask();
  });
  schedule(Number(data.endsIn));
}

function inWords(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
  if (rest || !minutes) parts.push(`${rest} second${rest === 1 ? "" : "s"}`);
  return parts.join(" and ");
}
