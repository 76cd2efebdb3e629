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
 *
 * The words of its own controls come from the server (/chat/welcome.json, the domain's
 * utter_widget_texts), so they are edited in domain.yml like every answer.
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
    // "local": one conversation shared by every tab of the site; "session": one per tab.
    shared: opts.storage === "local",
    storage: opts.storage === "local" ? "localStorage" : "sessionStorage",
  };
  var STORE_KEY = "copro-chat:" + server;
  var MAX_ENTRIES = 300;
  var MAX_CHARS = 2000;
  var MAX_COMMENT = 500;
  var SAFE_URL = /^(https?:|mailto:)/i;
  var RESTART = "/restart";
  var RESTARTED = "utter_restart"; // the server's reply to a restart: the conversation ended
  var TOUR_ENDED = { utter_tour_stopped: true, utter_tour_end: true };
  var texts = null; // the widget's words, from the server
  var welcome = null; // the domain's welcome message, from the server

  // ---------- state kept across reloads ----------
  function freshState() {
    return {
      v: 1,
      sessionId: null,
      token: null,
      open: false,
      transcript: [],
      outbox: [],
      texts: texts,
    };
  }
  function loadState() {
    try {
      var saved = JSON.parse(window[config.storage].getItem(STORE_KEY) || "null");
      if (saved && saved.v === 1 && Array.isArray(saved.transcript)) {
        saved.outbox = Array.isArray(saved.outbox) ? saved.outbox : [];
        return saved;
      }
    } catch (e) {
      /* storage blocked or corrupt: start afresh */
    }
    return freshState();
  }
  var state = loadState();
  // The server's words as last seen, so a reload shows the controls at once (no jump).
  if (state.texts && typeof state.texts === "object") texts = state.texts;
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
  // A button of the message controls, labelled with the server's words for ``name``.
  function tool(name) {
    return el("button", { type: "button", className: "cpc-tool", text: word(name) });
  }
  function word(name, values) {
    var text = (texts && texts[name]) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(String(values[key]));
    });
    return text;
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

  // The same subset as plain text, for copying: links keep their address.
  function plainText(text) {
    return String(text || "")
      .replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, "$1 ($2)")
      .replace(/\*\*(.+?)\*\*/g, "$1")
      .replace(/\*([^*\s](?:[^*]*?[^*\s])?)\*/g, "$1");
  }

  // ---------- the widget's parts ----------
  var launcherBadge = el("span", { className: "cpc-badge", "aria-hidden": "true", hidden: "" });
  var launcherUnread = el("span", { className: "cpc-sr" });
  var launcher = el("button", {
    type: "button",
    className: "cpc-launcher",
    "aria-expanded": "false",
    "aria-controls": "cpc-panel",
  }, [config.launcherLabel, launcherUnread, launcherBadge]);
  // Announces unread replies while the chat is closed (the log inside it is hidden then).
  var unreadStatus = el("div", { className: "cpc-sr", role: "status" });
  var title = el("h2", { id: "cpc-title", className: "cpc-title", text: config.title });
  var newButton = el("button", { type: "button", className: "cpc-new", hidden: "" });
  var closeButton = el("button", { type: "button", className: "cpc-close" }, [
    "Close",
    srOnly(" chat"),
  ]);
  var confirmBox = el("div", { className: "cpc-confirm", hidden: "" });
  var status = el("div", { className: "cpc-status", role: "status" });
  var log = el("div", {
    className: "cpc-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-labelledby": "cpc-title",
    tabindex: "0",
  });
  var jump = el("button", { type: "button", className: "cpc-jump", hidden: "" });
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
  }, [
    el("div", { className: "cpc-header" }, [
      title,
      el("div", { className: "cpc-header-actions" }, [newButton, closeButton]),
    ]),
    confirmBox,
    status,
    el("div", { className: "cpc-logwrap" }, [log, jump]),
    typing,
    form,
  ]);
  var root = el("div", { id: "cpc-root", className: "cpc-root" }, [panel, launcher, unreadStatus]);

  // ---------- message controls: suggestions, copy with source, feedback ----------
  function buttonsFor(entry) {
    var list = el("ul", { className: "cpc-buttons", "aria-label": "Suggested questions" });
    entry.buttons.forEach(function (b) {
      var button = el("button", { type: "button", className: "cpc-choice" }, [b.title]);
      if (b.used) markUsed(button);
      button.addEventListener("click", function () {
        b.used = true;
        markUsed(button);
        send(b.title, b.payload);
        input.focus(); // the pressed button may scroll away: go on where people type
      });
      list.appendChild(el("li", {}, [button]));
    });
    return list;
  }

  function markUsed(button) {
    if (button.classList.contains("cpc-used")) return;
    button.classList.add("cpc-used");
    if (word("chosen")) button.appendChild(srOnly(" " + word("chosen")));
  }

  function copyText(entry) {
    var section = entry.answer.section || "";
    var paragraphs = String(entry.text).split(/\n\s*\n/);
    // The answer's own "From: <section>" line gives way to the full source line.
    var last = paragraphs[paragraphs.length - 1];
    if (section && paragraphs.length > 1 && last.indexOf(section) >= 0) {
      paragraphs.pop();
    }
    var source = word("copy_source", { section: section });
    return plainText(paragraphs.join("\n\n")).trim() + "\n\n" + source;
  }

  function writeClipboard(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = el("textarea", { className: "cpc-sr", "aria-hidden": "true" });
      area.value = text;
      root.appendChild(area);
      area.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (e) {
        copied = false;
      }
      area.remove();
      if (copied) resolve();
      else reject(new Error("copy refused"));
    });
  }

  function copyControl(entry) {
    var said = el("span", { className: "cpc-said", "aria-live": "polite" });
    var button = tool("copy");
    button.addEventListener("click", function () {
      said.textContent = "";
      writeClipboard(copyText(entry)).then(
        function () {
          said.textContent = word("copied");
        },
        function () {
          said.textContent = word("copy_failed");
        }
      );
    });
    return el("div", { className: "cpc-copybox" }, [button, said]);
  }

  function feedbackControl(entry) {
    var box = el("div", { className: "cpc-feedback", role: "group" });
    var said = el("p", { className: "cpc-said", "aria-live": "polite" });
    var question = el("span", {
      className: "cpc-feedback-question",
      text: word("feedback_question"),
    });
    var questionId = "cpc-fq-" + entry.answer.id;
    question.id = questionId;
    box.setAttribute("aria-labelledby", questionId);

    function thanks(focusInput) {
      box.textContent = "";
      box.appendChild(said);
      said.textContent = word("feedback_thanks");
      if (focusInput) input.focus();
    }
    function give(rating, comment) {
      entry.feedback = "given";
      saveState();
      sendFeedback(entry.answer.id, rating, comment);
      thanks(true);
    }
    function commentForm() {
      box.textContent = "";
      var id = "cpc-comment-" + entry.answer.id;
      var area = el("textarea", {
        id: id,
        className: "cpc-comment",
        rows: "2",
        maxlength: String(MAX_COMMENT),
      });
      var sendButton = tool("comment_send");
      var skipButton = tool("comment_skip");
      sendButton.addEventListener("click", function () {
        give("not_helpful", area.value.replace(/\s+/g, " ").trim().slice(0, MAX_COMMENT));
      });
      skipButton.addEventListener("click", function () {
        give("not_helpful", "");
      });
      var label = word("comment_label");
      box.appendChild(el("label", { for: id, className: "cpc-comment-label", text: label }));
      box.appendChild(area);
      box.appendChild(el("div", { className: "cpc-tools-row" }, [sendButton, skipButton]));
      box.appendChild(said);
      area.focus();
    }

    if (entry.feedback === "given") {
      box.appendChild(said);
      said.textContent = word("feedback_thanks");
      return box;
    }
    var helpful = tool("helpful");
    var notHelpful = tool("not_helpful");
    helpful.addEventListener("click", function () {
      give("helpful", "");
    });
    notHelpful.addEventListener("click", function () {
      entry.feedback = "commenting";
      commentForm();
    });
    box.appendChild(question);
    box.appendChild(el("div", { className: "cpc-tools-row" }, [helpful, notHelpful]));
    box.appendChild(said);
    return box;
  }

  // Copy and feedback on a content answer, once the server's words are known.
  function addTools(entry) {
    if (!texts || !entry.answer || !entry.node || entry.node.querySelector(".cpc-tools")) return;
    var tools = el("div", { className: "cpc-tools" }, [copyControl(entry), feedbackControl(entry)]);
    entry.node.appendChild(tools);
  }

  // ---------- transcript ----------
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
    } else if (entry.who === "notice") {
      item.appendChild(el("p", { className: "cpc-notice-text", text: entry.text }));
    } else {
      item.appendChild(srOnly("Assistant said: "));
      var bubble = el("div", { className: "cpc-bubble" });
      bubble.appendChild(renderMarkdown(entry.text));
      item.appendChild(bubble);
      if (entry.buttons && entry.buttons.length) item.appendChild(buttonsFor(entry));
    }
    entry.node = item;
    addTools(entry);
    return item;
  }

  // Tab reaches the newest message's controls first; the arrow keys move to older ones.
  var CONTROLS = "button, a[href]";
  function updateTabOrder() {
    var controls = log.querySelectorAll(CONTROLS);
    var newest = null;
    for (var i = state.transcript.length - 1; i >= 0 && !newest; i--) {
      var node = state.transcript[i].node;
      if (node && node.querySelector(CONTROLS)) newest = node;
    }
    Array.prototype.forEach.call(controls, function (control) {
      if (newest && newest.contains(control)) control.removeAttribute("tabindex");
      else control.setAttribute("tabindex", "-1");
    });
  }
  log.addEventListener("keydown", function (event) {
    var keys = { ArrowUp: -1, ArrowLeft: -1, ArrowDown: 1, ArrowRight: 1 };
    var target = event.target;
    if (!(event.key in keys) || target === log || !target.matches(CONTROLS)) return;
    var controls = Array.prototype.slice.call(log.querySelectorAll(CONTROLS));
    var next = controls[controls.indexOf(target) + keys[event.key]];
    if (next) {
      event.preventDefault();
      next.focus();
      next.scrollIntoView({ block: "nearest" });
    }
  });

  // ---------- scrolling as in the chat apps people know ----------
  var turnStart = null; // the first message of the assistant's current answer
  var away = false; // the reader scrolled up: new messages do not move the log
  var firstUnseen = null;
  var setTop = null; // where the widget itself last scrolled to

  function scrollLogTo(top) {
    top = Math.max(0, Math.min(top, log.scrollHeight - log.clientHeight));
    setTop = top;
    log.scrollTop = top;
  }
  function atEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 8;
  }
  function showJump(kind) {
    jump.textContent = word(kind === "new" ? "jump_new" : "jump_more");
    jump.dataset.kind = kind;
    jump.hidden = !jump.textContent;
  }
  function hideJump() {
    jump.hidden = true;
    firstUnseen = null;
  }
  function scrollToEnd() {
    scrollLogTo(log.scrollHeight);
    hideJump();
  }
  jump.addEventListener("click", function () {
    if (jump.dataset.kind === "new" && firstUnseen) scrollLogTo(firstUnseen.offsetTop - 8);
    else scrollToEnd();
    away = !atEnd();
    hideJump();
    log.focus(); // the button went away: the reader goes on in the log
  });

  var saveTimer = null;
  log.addEventListener("scroll", function () {
    var ours = setTop !== null && Math.abs(log.scrollTop - setTop) <= 2;
    if (!ours) {
      setTop = null;
      away = !atEnd();
    }
    if (atEnd()) hideJump();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(rememberPosition, 150);
  });

  // Where the reader was, as the first message in view and how far into it, for a reload.
  function rememberPosition() {
    if (panel.hidden) return;
    if (atEnd()) {
      state.scroll = { end: true };
    } else {
      var top = log.scrollTop;
      for (var i = 0; i < state.transcript.length; i++) {
        var node = state.transcript[i].node;
        if (node && node.offsetTop + node.offsetHeight > top) {
          state.scroll = { index: i, offset: top - node.offsetTop };
          break;
        }
      }
    }
    saveState();
  }
  function restorePosition() {
    var unread = state.transcript[state.firstUnread];
    delete state.firstUnread;
    if (unread && unread.node) {
      // Replies that came while the chat was closed are shown from the first one.
      scrollLogTo(unread.node.offsetTop - 8);
      away = false;
      if (!atEnd()) showJump("more");
      return;
    }
    var saved = state.scroll;
    var entry = saved && !saved.end && state.transcript[saved.index];
    if (entry && entry.node) {
      scrollLogTo(entry.node.offsetTop + (saved.offset || 0));
      away = !atEnd();
      if (away) showJump("more");
    } else {
      scrollToEnd();
    }
  }

  function addEntry(entry) {
    state.transcript.push(entry);
    var item = log.appendChild(renderEntry(entry));
    saveState();
    updateTabOrder();
    if (entry.who === "user") {
      turnStart = null;
      away = false;
      scrollToEnd();
      return;
    }
    turnStart = turnStart || item;
    if (away) {
      firstUnseen = firstUnseen || item;
      showJump("new");
      return;
    }
    // A long answer is shown from its first line; anything shorter, with the end of the log.
    var answerHeight = item.offsetTop + item.offsetHeight - turnStart.offsetTop;
    if (answerHeight > log.clientHeight) {
      scrollLogTo(turnStart.offsetTop - 8);
      showJump("more");
    } else {
      scrollToEnd();
    }
  }

  function renderHistory() {
    log.textContent = "";
    state.transcript.forEach(function (entry) {
      log.appendChild(renderEntry(entry));
    });
    updateTabOrder();
  }

  function markSent(entry) {
    delete entry.pending;
    var note = entry.node && entry.node.querySelector(".cpc-pending");
    if (note) note.remove();
  }

  // ---------- unread replies while the chat is closed ----------
  function showUnread() {
    var count = state.unread || 0;
    launcherBadge.textContent = count ? String(count) : "";
    launcherBadge.hidden = !count;
    var said = count === 1 ? word("unread_one") : word("unread_many", { count: count });
    launcherUnread.textContent = count && said ? " (" + said + ")" : "";
    unreadStatus.textContent = count ? said : "";
  }

  // ---------- connection ----------
  var socket = null;
  var confirmed = false;
  // The messages sent and not yet answered in full, by the id the server echoes in each
  // reply as reply_to: {hidden}. Turns may be handled in any order.
  var turns = {};
  var sentCount = 0;
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

  function showTyping() {
    typing.hidden = !Object.keys(turns).some(function (id) {
      return !turns[id].hidden;
    });
  }

  function emitMessage(message) {
    sentCount += 1;
    var id = "m" + sentCount + "-" + Math.random().toString(36).slice(2, 10);
    var data = {
      message: message.payload || message.text,
      message_id: id,
      session_id: state.sessionId,
      token: state.token,
    };
    if (message.metadata) data.metadata = message.metadata;
    socket.emit("user_uttered", data);
    turns[id] = { hidden: !!message.hidden };
    showTyping();
  }

  function online() {
    return confirmed && socket && socket.connected;
  }

  // A message people do not see as a bubble (feedback, the "New conversation" control).
  function sendHidden(message) {
    message.hidden = true;
    if (online()) emitMessage(message);
    else {
      state.outbox.push(message);
      saveState();
      connect();
    }
  }

  function sendFeedback(answerId, rating, comment) {
    var body = { rating: rating, answer_id: answerId, comment: comment || "" };
    sendHidden({ payload: "/feedback" + JSON.stringify(body), metadata: { feedback: true } });
  }

  function flushPending() {
    state.transcript.forEach(function (entry) {
      if (entry.pending) {
        markSent(entry);
        emitMessage(entry);
      }
    });
    state.outbox.splice(0).forEach(emitMessage);
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

  function onBotMessage(message) {
    if (!message || typeof message.text !== "string" || !message.text) return;
    var turn = turns[message.reply_to];
    // Replies to another tab's messages (a shared "local" conversation) reach this tab
    // through storage, a new session too.
    if (!turn && config.shared) return;
    if (message.response === RESTARTED) return startAfresh(message.text);
    if (turn && turn.hidden) return; // the reply to feedback: its own "Thanks" is shown
    if (message.tour_step) state.tour = true;
    if (TOUR_ENDED[message.response]) state.tour = false;
    var buttons = (message.quick_replies || message.buttons || []).filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    });
    var entry = {
      who: "bot",
      text: message.text,
      buttons: buttons.map(function (b) {
        return { title: b.title, payload: b.payload };
      }),
    };
    var answer = message.answer;
    if (answer && typeof answer.id === "string" && /^[0-9a-f]{1,32}$/.test(answer.id)) {
      entry.answer = {
        id: answer.id,
        topic: String(answer.topic || ""),
        fact: answer.fact ? String(answer.fact) : null,
        section: String(answer.section || ""),
        title: String(answer.title || ""),
      };
    }
    if (panel.hidden) {
      if (!state.unread) state.firstUnread = state.transcript.length;
      state.unread = (state.unread || 0) + 1;
      showUnread();
    }
    addEntry(entry);
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
        var changed = data && data.session_id !== state.sessionId;
        state.sessionId = data && data.session_id;
        state.token = data && data.token;
        confirmed = true;
        saveState();
        if (changed) ownSession(state.sessionId, function () {});
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
      socket.on("bot_uttered", onBotMessage);
      socket.on("bot_done", function (data) {
        var id = data && data.reply_to;
        delete turns[id || Object.keys(turns)[0]]; // a server that does not echo ids: in order
        showTyping();
      });
      function offline() {
        confirmed = false;
        turns = {};
        showTyping();
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
  function conversationEmpty() {
    return !state.transcript.some(function (entry) {
      return entry.who !== "notice";
    });
  }
  function loadTexts() {
    return fetch(server + "/chat/welcome.json", { credentials: "omit" })
      .then(function (reply) {
        if (!reply.ok) throw new Error(String(reply.status));
        return reply.json();
      })
      .then(function (data) {
        if (!welcome) {
          welcome = data;
          texts = (data && data.texts) || {};
          state.texts = texts;
          saveState();
          applyTexts();
        }
        return data;
      });
  }
  function askWelcome() {
    if (welcomeAsked || !conversationEmpty()) return;
    welcomeAsked = true;
    (welcome ? Promise.resolve(welcome) : loadTexts())
      .then(function (data) {
        if (data && data.text && conversationEmpty()) {
          addEntry({ who: "bot", text: data.text, buttons: data.buttons || [] });
        }
      })
      .catch(function () {
        welcomeAsked = false; // asked again once the connection is back
      });
  }

  function applyTexts() {
    newButton.textContent = word("new_conversation");
    newButton.hidden = !newButton.textContent;
    state.transcript.forEach(addTools);
    state.transcript.forEach(function (entry) {
      var used = entry.node && entry.node.querySelectorAll(".cpc-used");
      Array.prototype.forEach.call(used || [], function (button) {
        if (word("chosen") && !button.querySelector(".cpc-sr")) {
          button.appendChild(srOnly(" " + word("chosen")));
        }
      });
    });
    updateTabOrder();
    showUnread();
    if (!panel.hidden) restorePosition(); // the controls just added moved what was in view
  }

  // ---------- a new conversation ----------
  // The server ended the conversation (its reply to "/restart" or a typed "start over"):
  // the old one stays stored; this tab begins a fresh session with a fresh welcome.
  function startAfresh(notice) {
    var keep = { open: state.open };
    state = freshState();
    state.open = keep.open;
    turns = {};
    showTyping();
    hideJump();
    turnStart = null;
    away = false;
    log.textContent = "";
    welcomeAsked = false;
    if (notice) addEntry({ who: "notice", text: notice });
    saveState();
    if (online()) socket.emit("session_request", {});
    else connect();
    input.focus();
  }

  function restartConversation() {
    closeConfirm();
    if (online()) sendHidden({ payload: RESTART, metadata: { control: "restart" } });
    else startAfresh(null);
    input.focus();
  }

  function closeConfirm() {
    confirmBox.hidden = true;
    confirmBox.textContent = "";
  }

  function askToConfirm() {
    var question = el("p", { id: "cpc-confirm-text", text: word("confirm_restart") });
    var yes = tool("confirm_yes");
    var no = tool("confirm_no");
    yes.addEventListener("click", restartConversation);
    no.addEventListener("click", function () {
      closeConfirm();
      newButton.focus();
    });
    confirmBox.textContent = "";
    confirmBox.setAttribute("role", "group");
    confirmBox.setAttribute("aria-labelledby", "cpc-confirm-text");
    confirmBox.appendChild(question);
    confirmBox.appendChild(el("div", { className: "cpc-tools-row" }, [yes, no]));
    confirmBox.hidden = false;
    yes.focus();
  }

  newButton.addEventListener("click", function () {
    if (state.tour) askToConfirm(); // only a running tour has something to lose
    else restartConversation();
  });

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
    var isOnline = online();
    if (!isOnline) entry.pending = true;
    addEntry(entry);
    if (isOnline) {
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

  function show() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("cpc-is-open");
    panel.setAttribute("aria-modal", narrow.matches ? "true" : "false");
    state.unread = 0;
    showUnread();
    connect();
    askWelcome();
    restorePosition();
    reserveSpace();
  }

  function open() {
    state.open = true;
    show();
    saveState();
    input.focus();
  }

  function close() {
    rememberPosition();
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("cpc-is-open");
    state.open = false;
    closeConfirm();
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
    if (event.key === "Escape" && !confirmBox.hidden) {
      event.preventDefault();
      closeConfirm();
      newButton.focus();
    } else if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      close();
    } else if (event.key === "Tab" && !panel.hidden && narrow.matches) {
      // Full-screen on small screens: keep focus inside, as a dialog does (Escape leaves).
      var focusable = Array.prototype.filter.call(
        panel.querySelectorAll("button, input, textarea, a[href], [tabindex='0']"),
        function (node) {
          return node.getAttribute("tabindex") !== "-1" && node.offsetParent !== null;
        }
      );
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
  window.addEventListener("pagehide", rememberPosition);

  // A shared ("local") conversation: another tab's messages and new sessions arrive here.
  window.addEventListener("storage", function (event) {
    if (!config.shared || event.key !== STORE_KEY || !event.newValue) return;
    var saved = loadState();
    var sessionChanged = saved.sessionId !== state.sessionId;
    var ours = state.transcript.length;
    if (sessionChanged || saved.transcript.length < ours) {
      state = saved;
      renderHistory();
      if (sessionChanged && state.sessionId && online()) {
        socket.emit("session_request", { session_id: state.sessionId, token: state.token });
      }
    } else {
      saved.transcript.slice(ours).forEach(function (entry) {
        state.transcript.push(entry);
        log.appendChild(renderEntry(entry));
      });
      state.token = saved.token;
      state.tour = saved.tour;
      updateTabOrder();
      if (!away && !panel.hidden) scrollToEnd();
    }
  });

  // ---------- one conversation per tab ----------
  // A tab opened from this one (or duplicated) starts with a copy of its sessionStorage,
  // and so with its session: it would show replies to messages it never showed. A Web Lock
  // held for the tab's lifetime tells the first tab from the copy, which starts afresh.
  var releaseSession = null;
  function ownSession(sessionId, then) {
    if (releaseSession) releaseSession();
    releaseSession = null;
    var locks = navigator.locks && window.AbortSignal && AbortSignal.timeout;
    if (config.shared || !sessionId || !locks) {
      return then(true);
    }
    var decided = false;
    navigator.locks
      .request("copro-chat-tab:" + sessionId, { signal: AbortSignal.timeout(1500) }, function () {
        decided = true;
        then(true);
        return new Promise(function (resolve) {
          releaseSession = resolve;
        });
      })
      .catch(function () {
        if (!decided) then(false); // another tab holds it (a reload frees it at once)
      });
  }

  function mount() {
    renderHistory(); // before the log is in the page: restored messages are not announced
    document.body.appendChild(root);
    var css = el("link", { rel: "stylesheet", href: server + "/chat/widget.css" });
    if (!document.querySelector('link[href="' + css.getAttribute("href") + '"]')) {
      document.head.appendChild(css);
    }
    loadTexts().catch(function () {
      /* asked again with the welcome */
    });
    if (state.open) show();
    showUnread();
    reserveSpace();
  }

  function start() {
    ownSession(state.sessionId, function (owner) {
      if (!owner) {
        state = freshState();
        saveState();
      }
      mount();
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
