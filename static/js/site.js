// The pages' only script: copy buttons, and the countdown of the resend button.
// Without it the pages still work: copy buttons stay hidden, and a reload updates the countdown.
"use strict";

const copyStatus = document.getElementById("copy-status");  // tells screen readers it worked

document.querySelectorAll("[data-copy]").forEach((button) => {
  const source = document.getElementById(button.dataset.copy);
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = ("value" in source ? source.value : source.textContent).trim();
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      if (source.select) source.select();
      document.execCommand("copy");
    }
    button.textContent = button.dataset.copied;
    if (copyStatus) copyStatus.textContent = button.dataset.copied;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});

document.querySelectorAll("[data-countdown]").forEach((button) => {
  const deadline = Date.now() + Number(button.dataset.countdown) * 1000;
  const hint = document.getElementById(button.getAttribute("aria-describedby"));
  const seconds = hint && hint.querySelector("[data-seconds]");
  const tick = () => {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left > 0) {
      if (seconds && seconds.textContent !== String(left)) seconds.textContent = left;
      return;
    }
    clearInterval(timer);
    button.disabled = false;
    button.removeAttribute("aria-describedby");
    if (hint) hint.hidden = true;
  };
  const timer = setInterval(tick, 250);
  tick();
});
