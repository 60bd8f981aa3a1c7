// The demo page's only script (its CSP forbids inline ones): reads the widget's id and token from the
// query string and adds the widget's <script> tag exactly as a tenant's page would carry it.
(() => {
  'use strict';
  const q = new URLSearchParams(location.search);
  const widgetId = (q.get('widgetId') || '').trim();
  const token = (q.get('token') || '').trim();
  const visitorToken = (q.get('visitorToken') || '').trim();
  const sessionId = (q.get('sessionId') || '').trim();
  const $ = (id) => document.getElementById(id);

  function ready(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn, { once: true });
    else fn();
  }

  ready(() => {
    if (!widgetId || (!token && !visitorToken)) {
      $('setup').hidden = false;
      $('about').hidden = true;
      document.querySelector('main').prepend($('setup'));
      const form = $('setup-form');
      if (widgetId) form.elements.widgetId.value = widgetId;
      return;
    }

    const src = new URL('/widget.js', location.href).href;
    const tag = document.createElement('script');
    tag.src = src;
    tag.async = true;
    tag.dataset.widgetId = widgetId;
    if (visitorToken) {
      tag.dataset.visitorToken = visitorToken;
      if (sessionId) tag.dataset.sessionId = sessionId;
    } else {
      tag.dataset.widgetToken = token;
    }

    // the snippet as the tenant would paste it, built as text (never parsed as HTML)
    let snippet = '<script src="' + src + '" data-widget-id="' + widgetId + '"';
    snippet += visitorToken
      ? ' data-visitor-token="' + visitorToken + '"' + (sessionId ? ' data-session-id="' + sessionId + '"' : '')
      : ' data-widget-token="' + token + '"';
    snippet += ' async></' + 'script>';
    $('snippet').textContent = snippet;

    const status = $('status');
    status.textContent = 'Loading the widget…';
    tag.addEventListener('error', () => { status.textContent = 'widget.js could not be loaded.'; });
    tag.addEventListener('load', () => {
      const chat = window.LiveChat;
      if (!chat) { status.textContent = 'widget.js loaded but did not start (see the console).'; return; }
      chat.on('ready', () => {
        status.textContent = 'Widget ready. Messages this page has heard: 0.';
        $('chat-button').disabled = false;
        $('reset-button').disabled = false;
      });
      let heard = 0;
      chat.on('message', () => {
        heard += 1;
        status.textContent = 'Widget ready. Messages this page has heard: ' + heard + '.';
      });
      // the widget stays silent when its config is refused; say so after a while
      setTimeout(() => {
        if ($('chat-button').disabled) status.textContent = 'The widget did not start: check the widget id and token (see the console).';
      }, 8000);
    });
    $('chat-button').addEventListener('click', () => window.LiveChat && window.LiveChat.open());
    $('reset-button').addEventListener('click', () => window.LiveChat && window.LiveChat.reset());
    document.body.append(tag);
  });
})();
