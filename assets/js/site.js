/* Chronicle — progressive enhancement (ES2017, no libraries, loaded with defer).
   Without JavaScript every link keeps working as plain HTML. */
(() => {
  'use strict';

  const COPIED_TEXT = 'Link copied';
  const RESET_MS = 2000;
  const SELECTOR = 'a.share-copy[data-copy]';
  const timers = new WeakMap();

  // Mark the copy links as polite live regions up front, so the text change is announced.
  for (const link of document.querySelectorAll(SELECTOR)) {
    link.setAttribute('aria-live', 'polite');
  }

  // "Copy link": copy the permalink instead of navigating when the Clipboard API exists.
  // Enter on a focused link fires a click event, so one listener covers mouse and keyboard.
  document.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return; // modified clicks (new tab, new window…) behave normally
    }
    const link = event.target instanceof Element ? event.target.closest(SELECTOR) : null;
    if (!link) return;
    const text = link.getAttribute('data-copy');
    if (!text || !navigator.clipboard || typeof navigator.clipboard.writeText !== 'function') {
      return; // no clipboard: the link simply opens the permalink
    }
    event.preventDefault();
    navigator.clipboard.writeText(text).then(
      () => showCopied(link),
      () => { window.location.href = link.href; } // copy refused: do what the link would have done
    );
  });

  // Counting views by beacon: one small cookie-less request once the page is shown. Without
  // JavaScript the <noscript> image inside the same element makes the request instead.
  const beacon = document.querySelector('[data-view-beacon]');
  if (beacon) {
    const url = beacon.getAttribute('data-view-beacon');
    if (navigator.sendBeacon && !navigator.sendBeacon(url)) {
      new Image().src = url;
    } else if (!navigator.sendBeacon) {
      new Image().src = url;
    }
  }

  function showCopied(link) {
    if (!link.hasAttribute('data-label')) {
      link.setAttribute('data-label', link.textContent);
    }
    link.textContent = COPIED_TEXT;
    link.classList.add('is-copied');
    clearTimeout(timers.get(link));
    timers.set(link, setTimeout(() => {
      link.textContent = link.getAttribute('data-label');
      link.classList.remove('is-copied');
    }, RESET_MS));
  }
})();
