/*
 * Value of Co-Production chat widget.
 *
 * Embed with one script tag (see README "Web chat widget"):
 *   <script src="https://ASSISTANT-HOST/chat/widget.js" defer></script>
 * Optional attributes on that tag: data-server (default: where the script came from),
 * data-title, data-launcher-label, data-storage ("session", the default, or "local").
 *
 * Talks to the assistant over socket.io (vendor/socket.io.min.js, from npm). Text from the
 * bot or the user is never parsed as HTML: a small markdown subset (bold, italics, links,
 * "- " and "1. " lists) is turned into DOM nodes, everything else is a text node.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || document.getElementById("cpc-root")) return;
  var opts = script.dataset || {};
  var server = (opts.server || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var config = {
    server: server,
    title: opts.title || "Ask about the Value of Co-Production",
    launcherLabel: opts.launcherLabel || "Chat about co-production",
    storage: opts.storage === "local" ? "localStorage" : "sessionStorage",
  };
  var STORE_KEY = "copro-chat:" + server;
  var MAX_ENTRIES = 300;
  var MAX_CHARS = 2000;
  var SAFE_URL = /^(https?:|mailto:)/i;

  // ---------- state kept across reloads ----------
  function loadState() {
    try {
      var saved = JSON.parse(window[config.storage].getItem(STORE_KEY) || "null");
      if (saved && saved.v === 1 && Array.isArray(saved.transcript)) return saved;
    } catch (e) {
      /* storage blocked or corrupt: start afresh */
    }
    return { v: 1, sessionId: null, token: null, open: false, transcript: [] };
  }
  var state = loadState();
  function withoutNodes(key, value) {
    return key === "node" ? undefined : value; // rendered DOM nodes are not kept
  }
  function saveState() {
    state.transcript = state.transcript.slice(-MAX_ENTRIES);
    try {
      window[config.storage].setItem(STORE_KEY, JSON.stringify(state, withoutNodes));
    } catch (e) {
      /* storage full or blocked: the conversation still works, it just is not kept */
    }
  }

  // ---------- small DOM helpers ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }
  function srOnly(text) {
    return el("span", { className: "cpc-sr", text: text });
  }

  // ---------- safe markdown subset ----------
  var INLINE = /\[([^\]\n]+)\]\(([^()\s]+)\)|\*\*(.+?)\*\*|\*([^*\s](?:[^*]*?[^*\s])?)\*/g;

  function appendInline(parent, text) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    var matches = [];
    while ((match = INLINE.exec(text)) !== null) matches.push(match);
    matches.forEach(function (m) {
      if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      if (m[1] !== undefined) parent.appendChild(link(m[1], m[2]));
      else if (m[3] !== undefined) appendInline(parent.appendChild(el("strong")), m[3]);
      else appendInline(parent.appendChild(el("em")), m[4]);
      last = m.index + m[0].length;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function link(label, href) {
    if (!SAFE_URL.test(href)) return document.createTextNode(label + " (" + href + ")");
    var a = el("a", { href: href, target: "_blank", rel: "noopener noreferrer" });
    appendInline(a, label);
    a.appendChild(srOnly(" (opens in a new tab)"));
    return a;
  }

  function renderMarkdown(text) {
    var fragment = document.createDocumentFragment();
    var paragraph = null;
    var list = null;
    String(text || "")
      .split(/\r?\n/)
      .forEach(function (line) {
        var bullet = /^\s*[-*\u2022]\s+(.*)$/.exec(line);
        var numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
        if (!line.trim()) {
          paragraph = list = null;
        } else if (bullet || numbered) {
          var tag = bullet ? "ul" : "ol";
          if (!list || list.tagName.toLowerCase() !== tag) {
            list = fragment.appendChild(el(tag));
            if (numbered && numbered[1] !== "1") list.setAttribute("start", numbered[1]);
          }
          appendInline(list.appendChild(el("li")), bullet ? bullet[1] : numbered[2]);
          paragraph = null;
        } else {
          list = null;
          if (paragraph) paragraph.appendChild(el("br"));
          else paragraph = fragment.appendChild(el("p"));
          appendInline(paragraph, line.trim());
        }
      });
    return fragment;
  }

  // ---------- the widget's parts ----------
  var launcher = el("button", {
    type: "button",
    className: "cpc-launcher",
    "aria-expanded": "false",
    "aria-controls": "cpc-panel",
  }, [config.launcherLabel]);
  var title = el("h2", { id: "cpc-title", className: "cpc-title", text: config.title });
  var closeButton = el("button", { type: "button", className: "cpc-close" }, [
    "Close",
    srOnly(" chat"),
  ]);
  var status = el("div", { className: "cpc-status", role: "status" });
  var log = el("div", {
    className: "cpc-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-labelledby": "cpc-title",
    tabindex: "0",
  });
  var typing = el("p", { className: "cpc-typing", hidden: "" }, [
    "The assistant is writing",
    el("span", { className: "cpc-dots", "aria-hidden": "true" }, ["..."]),
  ]);
  var input = el("input", {
    id: "cpc-input",
    className: "cpc-input",
    type: "text",
    autocomplete: "off",
    maxlength: String(MAX_CHARS),
  });
  var form = el("form", { className: "cpc-form", novalidate: "" }, [
    el("label", { for: "cpc-input", className: "cpc-label", text: "Your question" }),
    el("div", { className: "cpc-row" }, [
      input,
      el("button", { type: "submit", className: "cpc-send", text: "Send" }),
    ]),
  ]);
  var panel = el("section", {
    id: "cpc-panel",
    className: "cpc-panel",
    role: "dialog",
    "aria-modal": "false",
    "aria-labelledby": "cpc-title",
    hidden: "",
  }, [el("div", { className: "cpc-header" }, [title, closeButton]), status, log, typing, form]);
  var root = el("div", { id: "cpc-root", className: "cpc-root" }, [panel, launcher]);

  // ---------- transcript ----------
  function buttonsFor(entry) {
    var list = el("ul", { className: "cpc-buttons", "aria-label": "Suggested questions" });
    entry.buttons.forEach(function (b) {
      var button = el("button", { type: "button", className: "cpc-choice", text: b.title });
      button.addEventListener("click", function () {
        send(b.title, b.payload);
      });
      list.appendChild(el("li", {}, [button]));
    });
    return list;
  }

  function renderEntry(entry) {
    var item = el("div", { className: "cpc-msg cpc-" + entry.who });
    if (entry.who === "user") {
      item.appendChild(srOnly("You said: "));
      item.appendChild(el("p", { className: "cpc-bubble", text: entry.text }));
      if (entry.pending) {
        item.appendChild(el("p", {
          className: "cpc-pending",
          text: "Not sent yet: it will be sent when the connection is back.",
        }));
      }
    } else {
      item.appendChild(srOnly("Assistant said: "));
      var bubble = el("div", { className: "cpc-bubble" });
      bubble.appendChild(renderMarkdown(entry.text));
      item.appendChild(bubble);
      if (entry.buttons && entry.buttons.length) item.appendChild(buttonsFor(entry));
    }
    entry.node = item;
    return item;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  var turnStart = null; // the first message of the assistant's current answer

  function addEntry(entry) {
    state.transcript.push(entry);
    var item = log.appendChild(renderEntry(entry));
    saveState();
    if (entry.who === "user") turnStart = null;
    else turnStart = turnStart || item;
    // A long answer is shown from its start; anything shorter, with the end of the log.
    var start = turnStart || item;
    var answerHeight = item.offsetTop + item.offsetHeight - start.offsetTop;
    if (answerHeight > log.clientHeight) log.scrollTop = start.offsetTop - 8;
    else scrollToEnd();
  }

  function markSent(entry) {
    delete entry.pending;
    var note = entry.node && entry.node.querySelector(".cpc-pending");
    if (note) note.remove();
  }

  // History first, while the log is not yet in the page: restored messages are not announced.
  state.transcript.forEach(function (entry) {
    log.appendChild(renderEntry(entry));
  });

  // ---------- connection ----------
  var socket = null;
  var confirmed = false;
  var waiting = 0;
  var welcomeAsked = false;
  var retry = el("button", { type: "button", className: "cpc-retry", text: "Try again now" });

  function setStatus(text, offline) {
    if (status.firstChild && status.firstChild.textContent === text) return;
    status.textContent = "";
    if (!text) return;
    status.appendChild(el("p", { text: text }));
    if (offline) status.appendChild(retry);
  }
  retry.addEventListener("click", function () {
    setStatus("Trying to reach the assistant…", false);
    input.focus(); // the button just went away: keep focus where the reader types
    if (socket && socket.connect) socket.connect();
    else connect();
    askWelcome();
  });

  function setWaiting(count) {
    waiting = Math.max(0, count);
    typing.hidden = waiting === 0;
  }

  function emitMessage(entry) {
    socket.emit("user_uttered", {
      message: entry.payload || entry.text,
      session_id: state.sessionId,
      token: state.token,
    });
    setWaiting(waiting + 1);
  }

  function flushPending() {
    state.transcript.forEach(function (entry) {
      if (entry.pending) {
        markSent(entry);
        emitMessage(entry);
      }
    });
    saveState();
  }

  function loadSocketIo(callback) {
    if (window.io) return callback();
    var tag = el("script", { src: server + "/chat/vendor/socket.io.min.js" });
    tag.addEventListener("load", callback);
    tag.addEventListener("error", function () {
      socket = null; // "Try again" loads it again
      setStatus("The chat could not load. Check your connection, then try again.", true);
    });
    document.head.appendChild(tag);
  }

  function connect() {
    if (socket) return;
    socket = true; // connecting
    loadSocketIo(function () {
      socket = window.io(server, { path: "/socket.io", transports: ["websocket", "polling"] });
      socket.on("connect", function () {
        socket.emit("session_request", { session_id: state.sessionId, token: state.token });
      });
      socket.on("session_confirm", function (data) {
        var wasOffline = status.firstChild !== null;
        state.sessionId = data && data.session_id;
        state.token = data && data.token;
        confirmed = true;
        saveState();
        setStatus(wasOffline ? "Connected again." : "", false);
        flushPending();
        askWelcome();
      });
      socket.on("session_token", function (data) {
        // the server renews the token after every turn: a session expires only unused
        if (data && data.session_id === state.sessionId && typeof data.token === "string") {
          state.token = data.token;
          saveState();
        }
      });
      socket.on("bot_uttered", function (message) {
        if (!message || typeof message.text !== "string" || !message.text) return;
        var buttons = (message.quick_replies || message.buttons || []).filter(function (b) {
          return b && typeof b.title === "string" && typeof b.payload === "string";
        });
        addEntry({
          who: "bot",
          text: message.text,
          buttons: buttons.map(function (b) {
            return { title: b.title, payload: b.payload };
          }),
        });
      });
      socket.on("bot_done", function () {
        setWaiting(waiting - 1);
      });
      function offline() {
        confirmed = false;
        setWaiting(0);
        setStatus(
          "The assistant can't be reached right now. Messages you send will go " +
            "when the connection is back.",
          true
        );
      }
      socket.on("disconnect", offline);
      socket.on("connect_error", offline);
    });
  }

  // The welcome comes from the server's domain (utter_greet), shown once per conversation.
  function askWelcome() {
    if (welcomeAsked || state.transcript.length) return;
    welcomeAsked = true;
    fetch(server + "/chat/welcome.json", { credentials: "omit" })
      .then(function (reply) {
        if (!reply.ok) throw new Error(String(reply.status));
        return reply.json();
      })
      .then(function (welcome) {
        if (welcome && welcome.text && !state.transcript.length) {
          addEntry({ who: "bot", text: welcome.text, buttons: welcome.buttons || [] });
        }
      })
      .catch(function () {
        welcomeAsked = false; // asked again once the connection is back
      });
  }

  // ---------- sending ----------
  function send(text, payload) {
    text = String(text || "").trim();
    if (!text) {
      input.setAttribute("aria-invalid", "true");
      setStatus("Type a question first, then press Send.", false);
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    var entry = { who: "user", text: text.slice(0, MAX_CHARS) };
    if (payload) entry.payload = payload;
    var online = confirmed && socket && socket.connected;
    if (!online) entry.pending = true;
    addEntry(entry);
    if (online) {
      setStatus("", false);
      emitMessage(entry);
    } else connect();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (text.trim()) input.value = "";
    send(text);
  });
  input.addEventListener("input", function () {
    if (input.getAttribute("aria-invalid")) {
      input.removeAttribute("aria-invalid");
      setStatus("", false);
    }
  });

  // ---------- open, close, keyboard ----------
  var narrow = window.matchMedia("(max-width: 30em), (max-height: 30em)");

  function reserveSpace() {
    // Page content scrolled into view stays above the widget (focus is never hidden by it).
    var covering = panel.hidden ? launcher : panel;
    var height = covering.getBoundingClientRect().height + 24;
    document.documentElement.style.scrollPaddingBottom = height + "px";
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("cpc-is-open");
    panel.setAttribute("aria-modal", narrow.matches ? "true" : "false");
    state.open = true;
    saveState();
    connect();
    askWelcome();
    scrollToEnd();
    reserveSpace();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("cpc-is-open");
    state.open = false;
    saveState();
    reserveSpace();
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open();
    else close();
  });
  closeButton.addEventListener("click", close);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "Tab" && !panel.hidden && narrow.matches) {
      // Full-screen on small screens: keep focus inside, as a dialog does (Escape leaves).
      var focusable = panel.querySelectorAll("button, input, a[href], [tabindex='0']");
      var first = focusable[0];
      var last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  window.addEventListener("resize", reserveSpace);

  function mount() {
    document.body.appendChild(root);
    var css = el("link", { rel: "stylesheet", href: server + "/chat/widget.css" });
    if (!document.querySelector('link[href="' + css.getAttribute("href") + '"]')) {
      document.head.appendChild(css);
    }
    if (state.open) {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      root.classList.add("cpc-is-open");
      connect();
      askWelcome();
      scrollToEnd();
    }
    reserveSpace();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
