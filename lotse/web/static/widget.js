/*
 * Lotse chat widget: embed it on any page with one script tag.
 *
 *   <script src="https://<lotse-host>/widget.js" data-lotse-url="https://<lotse-host>" defer></script>
 *
 * Optional attributes on the script tag:
 *   data-lotse-url       where Lotse runs (default: where this script was loaded from)
 *   data-lotse-language  the language the widget starts in: de, en, ar, ru, pl
 *                        (default: the visitor's browser language if supported, else German)
 *   data-lotse-open      "true" opens the chat when the page has loaded
 *
 * Plain JavaScript, no framework, no build step, nothing loaded from elsewhere. Everything lives in
 * a Shadow DOM, so the page's CSS cannot change the widget and the widget's CSS cannot leak out.
 * The page may call window.LotseWidget.open() / .close(), e.g. from its own "Chat" button.
 *
 * Talks to POST <lotse-url>/api/chat ({session_id, text, language, message_id}). Every message gets
 * its own message_id (a UUID); after a network error the message is marked "not sent – retry", and
 * retrying sends it with the same message_id, so Lotse answers it only once even if the first
 * attempt did arrive.
 *
 * When a counselling centre takes the conversation over, its messages arrive through
 * GET <lotse-url>/api/chat/updates?session_id=…&after=<last id>: polled every few seconds while the
 * chat is open and the page visible, less often while it is closed, not at all while the page is
 * hidden, and with growing pauses after errors. Counsellors' messages are labelled
 * "Beraterin/Berater" in the person's language; while a counsellor writes, Lotse does not answer
 * and the widget says the message went to the counsellor.
 */
(() => {
  "use strict";

  if (window.LotseWidget) return; // the tag was included twice

  const script =
    document.currentScript || document.querySelector("script[data-lotse-url], script[src*='widget.js']");
  const BASE_URL = new URL(
    (script && script.dataset.lotseUrl) || (script && script.src) || "/",
    document.baseURI
  );
  const API_URL = new URL("/api/chat", BASE_URL).href;
  const UPDATES_URL = new URL("/api/chat/updates", BASE_URL).href;
  const POLL_OPEN_MS = 3000; // chat open, page visible
  const POLL_CLOSED_MS = 15000; // chat closed, page visible
  const POLL_MAX_BACKOFF_MS = 60000; // after repeated errors
  const REQUEST_TIMEOUT_MS = 45000; // a little longer than Lotse's own wait for Rasa (30 s)
  const MAX_TRANSCRIPT = 120; // messages kept for page changes on the same site
  const PRIVACY_VERSION = "1"; // raise when the notice changes, so it is shown again
  const KEY = {
    session: "lotse.session",
    privacy: "lotse.privacy",
    language: "lotse.language",
    open: "lotse.open",
    transcript: "lotse.transcript",
    updates: "lotse.updates", // {sessionId, after}: the last counsellor message shown
  };

  const LANGUAGES = ["de", "en", "ar", "ru", "pl"];
  const NATIVE_NAMES = { de: "Deutsch", en: "English", ar: "العربية", ru: "Русский", pl: "Polski" };
  const RTL = new Set(["ar"]);

  // Texts of the widget itself. The conversation's texts come from Lotse.
  const TEXTS = {
    de: {
      subtitle: "Anerkennung ausländischer Berufsabschlüsse",
      open: "Chat mit Lotse öffnen",
      launcher: "Fragen zur Anerkennung?",
      close: "Chat schließen",
      language: "Sprache",
      messages: "Nachrichten",
      input: "Ihre Nachricht",
      send: "Senden",
      privacyTitle: "Datenschutz",
      privacy:
        "Lotse ist ein Chatbot, keine Beratungsperson. Ihre Nachrichten werden gespeichert, damit Lotse " +
        "antworten kann, und ohne Ihre Zustimmung an niemanden weitergegeben. Bitte geben Sie keine " +
        "Gesundheitsdaten oder Ausweisnummern ein. Mit /delete löschen Sie Ihre Daten jederzeit.",
      accept: "Verstanden, weiter",
      sending: "wird gesendet …",
      retry: "Nicht gesendet – erneut versuchen",
      typing: "Lotse schreibt …",
      rejected: "Diese Nachricht konnte nicht angenommen werden (höchstens 2000 Zeichen).",
      welcomeBack: "Willkommen zurück! Schreiben Sie einfach weiter.",
      offline: "Lotse ist gerade nicht erreichbar. Bitte schreiben Sie gleich noch einmal.",
      you: "Sie",
      counsellor: "Beraterin/Berater",
      toCounsellor: "Ihre Nachricht ist bei der Beraterin / dem Berater angekommen.",
    },
    en: {
      subtitle: "Recognition of foreign qualifications",
      open: "Open the chat with Lotse",
      launcher: "Questions about recognition?",
      close: "Close the chat",
      language: "Language",
      messages: "Messages",
      input: "Your message",
      send: "Send",
      privacyTitle: "Privacy",
      privacy:
        "Lotse is a chatbot, not a counsellor. Your messages are stored so that Lotse can answer, and " +
        "passed on to no one without your consent. Please do not enter health data or ID numbers. " +
        "Type /delete to erase your data at any time.",
      accept: "OK, continue",
      sending: "sending …",
      retry: "Not sent – retry",
      typing: "Lotse is typing …",
      rejected: "This message could not be accepted (2000 characters at most).",
      welcomeBack: "Welcome back! Just carry on writing.",
      offline: "Lotse cannot be reached right now. Please write again in a moment.",
      you: "You",
      counsellor: "Counsellor",
      toCounsellor: "Your message went to the counsellor.",
    },
    ar: {
      subtitle: "الاعتراف بالمؤهلات المهنية الأجنبية",
      open: "افتح المحادثة مع لوتسه",
      launcher: "أسئلة حول الاعتراف؟",
      close: "أغلق المحادثة",
      language: "اللغة",
      messages: "الرسائل",
      input: "رسالتك",
      send: "إرسال",
      privacyTitle: "حماية البيانات",
      // U+2066/U+2069 keep "/delete" in one left-to-right piece inside the Arabic sentence.
      privacy:
        "لوتسه (Lotse) برنامج محادثة آلي وليس مستشارًا. تُحفَظ رسائلك لكي يستطيع الرد عليك، ولا تُعطى " +
        "لأحد دون موافقتك. يُرجى عدم إدخال بيانات صحية أو أرقام هويات. اكتب \u2066/delete\u2069 لحذف " +
        "بياناتك في أي وقت.",
      accept: "موافق، متابعة",
      sending: "جارٍ الإرسال…",
      retry: "لم تُرسَل – أعد المحاولة",
      typing: "لوتسه يكتب…",
      rejected: "تعذّر قبول هذه الرسالة (2000 حرف كحد أقصى).",
      welcomeBack: "أهلًا بعودتك! تابع الكتابة ببساطة.",
      offline: "لا يمكن الوصول إلى لوتسه الآن. يُرجى الكتابة مرة أخرى بعد قليل.",
      you: "أنت",
      counsellor: "المستشارة/المستشار",
      toCounsellor: "وصلت رسالتك إلى المستشارة/المستشار.",
    },
    ru: {
      subtitle: "Признание иностранных дипломов и профессий",
      open: "Открыть чат с Лотсе",
      launcher: "Вопросы о признании?",
      close: "Закрыть чат",
      language: "Язык",
      messages: "Сообщения",
      input: "Ваше сообщение",
      send: "Отправить",
      privacyTitle: "Защита данных",
      privacy:
        "Лотсе — чат-бот, а не консультант. Ваши сообщения сохраняются, чтобы Лотсе мог ответить, и " +
        "без вашего согласия никому не передаются. Пожалуйста, не вводите данные о здоровье и номера " +
        "документов. Напишите /delete, чтобы в любой момент удалить свои данные.",
      accept: "Понятно, дальше",
      sending: "отправляется…",
      retry: "Не отправлено — повторить",
      typing: "Лотсе печатает…",
      rejected: "Это сообщение не удалось принять (не более 2000 символов).",
      welcomeBack: "С возвращением! Просто продолжайте писать.",
      offline: "Лотсе сейчас недоступен. Пожалуйста, напишите ещё раз чуть позже.",
      you: "Вы",
      counsellor: "Консультант",
      toCounsellor: "Ваше сообщение передано консультанту.",
    },
    pl: {
      subtitle: "Uznawanie zagranicznych kwalifikacji",
      open: "Otwórz czat z Lotse",
      launcher: "Pytania o uznanie kwalifikacji?",
      close: "Zamknij czat",
      language: "Język",
      messages: "Wiadomości",
      input: "Twoja wiadomość",
      send: "Wyślij",
      privacyTitle: "Ochrona danych",
      privacy:
        "Lotse to chatbot, a nie doradca. Twoje wiadomości są zapisywane, aby Lotse mógł odpowiedzieć, " +
        "i bez Twojej zgody nie są nikomu przekazywane. Nie podawaj danych o zdrowiu ani numerów " +
        "dokumentów. Wpisz /delete, aby w każdej chwili usunąć swoje dane.",
      accept: "OK, dalej",
      sending: "wysyłanie…",
      retry: "Nie wysłano – spróbuj ponownie",
      typing: "Lotse pisze…",
      rejected: "Nie udało się przyjąć tej wiadomości (maksymalnie 2000 znaków).",
      welcomeBack: "Witamy z powrotem! Po prostu pisz dalej.",
      offline: "Lotse jest teraz niedostępny. Napisz ponownie za chwilę.",
      you: "Ty",
      counsellor: "Doradczyni/doradca",
      toCounsellor: "Twoja wiadomość trafiła do doradczyni/doradcy.",
    },
  };

  // ---------------------------------------------------------------- storage (never throws)

  // localStorage can be unavailable (blocked cookies, some private modes): fall back to memory.
  function makeStore(getArea) {
    const memory = new Map();
    let area = null;
    try {
      area = getArea();
      const probe = "lotse.probe";
      area.setItem(probe, "1");
      area.removeItem(probe);
    } catch (_) {
      area = null;
    }
    return {
      get(key) {
        try {
          return area ? area.getItem(key) : memory.has(key) ? memory.get(key) : null;
        } catch (_) {
          return memory.has(key) ? memory.get(key) : null;
        }
      },
      set(key, value) {
        memory.set(key, value);
        try {
          if (area) area.setItem(key, value);
        } catch (_) {
          /* full or blocked: memory is enough for this page */
        }
      },
    };
  }
  const local = makeStore(() => window.localStorage); // session id, privacy, language
  const tab = makeStore(() => window.sessionStorage); // transcript: forgotten with the tab

  /** A random UUID, also on plain-http pages where crypto.randomUUID is missing. */
  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function supported(code) {
    const primary = String(code || "").toLowerCase().split(/[-_]/)[0];
    return LANGUAGES.includes(primary) ? primary : null;
  }

  function initialLanguage() {
    return (
      supported(local.get(KEY.language)) ||
      supported(script && script.dataset.lotseLanguage) ||
      (navigator.languages || [navigator.language]).map(supported).find(Boolean) ||
      "de"
    );
  }

  // ---------------------------------------------------------------- state

  const state = {
    sessionId: local.get(KEY.session), // created when the privacy notice is accepted
    language: initialLanguage(),
    accepted: local.get(KEY.privacy) === PRIVACY_VERSION,
    open: false,
    // What the panel shows, kept for page changes: {who: "bot"|"me"|"note", text, buttons?,
    // id?, payload?, status?} with status "waiting" | "sending" | "failed" for own messages.
    transcript: [],
    inFlight: null, // the own message being sent now
    greeted: false, // the empty panel already got its greeting or "welcome back"
    counsellor: false, // a counsellor has taken the conversation over (Lotse is paused)
    after: 0, // id of the last message from the counselling centre shown
    pollTimer: null,
    pollFailures: 0,
  };
  try {
    const seen = JSON.parse(local.get(KEY.updates) || "null");
    if (seen && seen.sessionId === state.sessionId && Number.isInteger(seen.after)) state.after = seen.after;
  } catch (_) {
    state.after = 0;
  }
  try {
    const saved = JSON.parse(tab.get(KEY.transcript) || "null");
    if (saved && saved.sessionId === state.sessionId && Array.isArray(saved.items)) {
      // A message that was on its way when the page was left is shown as not sent (retry).
      state.transcript = saved.items.map((item) =>
        item.status === "sending" || item.status === "waiting" ? { ...item, status: "failed" } : item
      );
    }
  } catch (_) {
    state.transcript = [];
  }

  function saveTranscript() {
    const items = state.transcript.filter((item) => !item.hidden).slice(-MAX_TRANSCRIPT);
    const withoutElements = (key, value) => (key === "element" ? undefined : value);
    tab.set(KEY.transcript, JSON.stringify({ sessionId: state.sessionId, items }, withoutElements));
  }

  // ---------------------------------------------------------------- the DOM

  const CSS = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    [hidden] { display: none !important; }
    .root {
      position: fixed; inset-block-end: 16px; inset-inline-end: 16px; z-index: 2147483000;
      font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic",
        "DejaVu Sans", Tahoma, sans-serif;
      color: #1b1f24; text-align: start;
    }
    button, select, textarea { font: inherit; color: inherit; }
    :focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
    .launcher {
      display: flex; align-items: center; gap: 8px; margin-inline-start: auto;
      min-height: 52px; padding: 0 18px 0 14px; border: 0; border-radius: 26px; cursor: pointer;
      background: #0b5cad; color: #fff; font-weight: 600; box-shadow: 0 4px 16px rgba(0, 0, 0, .25);
    }
    .launcher:hover { background: #094a8c; }
    .launcher.has-news::after { /* a message from the counselling centre arrived while closed */
      content: ""; width: 12px; height: 12px; border-radius: 6px; background: #f5a623; flex: none;
    }
    .launcher svg { width: 24px; height: 24px; flex: none; }
    .panel {
      display: flex; flex-direction: column; width: 380px; height: min(640px, calc(100vh - 32px));
      background: #fff; border-radius: 14px; overflow: hidden;
      box-shadow: 0 8px 32px rgba(0, 0, 0, .28); border: 1px solid #d5dae0;
    }
    header {
      display: flex; align-items: center; gap: 8px; padding: 10px 12px;
      background: #0b5cad; color: #fff;
    }
    .heading { flex: 1; min-width: 0; }
    h2 { margin: 0; font-size: 17px; line-height: 1.2; font-weight: 700; }
    .subtitle { margin: 2px 0 0; font-size: 12.5px; opacity: .9; }
    .language { display: flex; flex-direction: column; font-size: 11px; }
    select {
      max-width: 120px; padding: 4px 6px; border-radius: 6px; border: 1px solid #fff;
      background: #fff; color: #1b1f24; font-size: 14px;
    }
    .close {
      width: 36px; height: 36px; border: 0; border-radius: 18px; background: transparent;
      color: #fff; font-size: 24px; line-height: 1; cursor: pointer;
    }
    .close:hover { background: rgba(255, 255, 255, .18); }
    .privacy { padding: 16px; overflow-y: auto; flex: 1; }
    .privacy h3 { margin: 0 0 8px; font-size: 16px; }
    .privacy p { margin: 0 0 16px; }
    .primary {
      min-height: 40px; padding: 6px 18px; border: 0; border-radius: 8px; cursor: pointer;
      background: #0b5cad; color: #fff; font-weight: 600;
    }
    .log {
      flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px;
      background: #f7f8fa;
    }
    /* Bubbles sit at the start of the line (right in Arabic), own messages at the end. */
    .msg {
      max-width: 85%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap;
      overflow-wrap: anywhere; text-align: start;
    }
    .bot { align-self: flex-start; background: #fff; border: 1px solid #dde2e8; }
    .me { align-self: flex-end; background: #dcebfb; }
    .note { align-self: center; font-size: 13px; color: #555; text-align: center; }
    .counsellor { align-self: flex-start; background: #fff7e0; border: 1px solid #e0b84c; }
    .counsellor .author { display: block; margin-bottom: 2px; font-size: 12px; font-weight: 700; color: #7a5600; }
    .notice {
      align-self: stretch; font-size: 13px; color: #3d3200; text-align: center;
      background: #fff3c4; border: 1px dashed #c9a227;
    }
    .msg a { color: #0b5cad; }
    .status { display: block; margin-top: 4px; font-size: 12px; color: #555; }
    .failed { background: #fde8e8; }
    .retry {
      display: block; margin-top: 4px; padding: 2px 0; border: 0; background: none; cursor: pointer;
      color: #a4161a; font-size: 13px; font-weight: 600; text-decoration: underline; text-align: start;
    }
    .buttons { align-self: flex-start; display: flex; flex-wrap: wrap; gap: 6px; max-width: 95%; }
    .buttons button {
      min-height: 36px; padding: 4px 12px; border: 1px solid #0b5cad; border-radius: 18px;
      background: #fff; color: #0b5cad; cursor: pointer;
    }
    .buttons button:hover { background: #e8f1fb; }
    .typing { padding: 0 12px 6px; font-size: 13px; color: #555; background: #f7f8fa; }
    form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e3e6ea; background: #fff; }
    textarea {
      flex: 1; min-height: 42px; max-height: 120px; padding: 9px 10px; resize: none;
      border: 1px solid #b8c0ca; border-radius: 8px; background: #fff;
    }
    .send {
      min-width: 48px; border: 0; border-radius: 8px; background: #0b5cad; color: #fff;
      cursor: pointer; font-weight: 600; padding: 0 12px;
    }
    .send span { display: inline-block; }
    [dir="rtl"] .send span { transform: scaleX(-1); } /* the arrow points the way text runs */
    .visually-hidden {
      position: absolute !important; width: 1px; height: 1px; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap;
    }
    /* Phones: the open chat fills the screen. */
    @media (max-width: 600px) {
      .root.is-open { inset: 0; }
      .root.is-open .panel { width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; border: 0; }
      .launcher .label { display: none; }
      .launcher { padding: 0 14px; }
    }
    @media (prefers-reduced-motion: no-preference) {
      .panel { animation: lotse-in .15s ease-out; }
      @keyframes lotse-in { from { opacity: 0; transform: translateY(8px); } }
    }
  `;

  const ICON =
    '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" ' +
    'd="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 ' +
    '1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 ' +
    '0-3 1.5 1.5 0 0 0 0 3z"/></svg>';

  const host = document.createElement("lotse-widget");
  // Inline style beats the page's stylesheets for the one element that lives in the page.
  host.setAttribute("style", "all: initial; position: static; display: block;");
  const shadow = host.attachShadow({ mode: "open" });

  shadow.innerHTML = `
    <div class="root">
      <div class="panel" id="lotse-panel" role="dialog" aria-modal="false"
           aria-labelledby="lotse-title" aria-describedby="lotse-subtitle" hidden>
        <header>
          <div class="heading">
            <h2 id="lotse-title">Lotse</h2>
            <p class="subtitle" id="lotse-subtitle"></p>
          </div>
          <label class="language">
            <span class="visually-hidden" data-text="language"></span>
            <select class="language-select"></select>
          </label>
          <button type="button" class="close" data-label="close"><span aria-hidden="true">×</span></button>
        </header>
        <section class="privacy" aria-labelledby="lotse-privacy-title" hidden>
          <h3 id="lotse-privacy-title" data-text="privacyTitle"></h3>
          <p data-text="privacy"></p>
          <button type="button" class="primary accept" data-text="accept"></button>
        </section>
        <div class="log" role="log" aria-live="polite" aria-relevant="additions" tabindex="0"
             data-label="messages"></div>
        <div class="typing" aria-hidden="true" hidden data-text="typing"></div>
        <form class="composer" novalidate>
          <label class="visually-hidden" for="lotse-input" data-text="input"></label>
          <textarea id="lotse-input" rows="1" maxlength="2000" autocomplete="off"
                    enterkeyhint="send"></textarea>
          <button type="submit" class="send" data-label="send"><span aria-hidden="true">➤</span></button>
        </form>
      </div>
      <button type="button" class="launcher" aria-haspopup="dialog" aria-expanded="false"
              aria-controls="lotse-panel" data-label="open">
        ${ICON}<span class="label" data-text="launcher"></span>
      </button>
    </div>`;

  // Styles: a constructed stylesheet where possible (not affected by a page's CSP for <style>).
  if ("adoptedStyleSheets" in shadow && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement("style");
    style.textContent = CSS;
    shadow.prepend(style);
  }

  const $ = (selector) => shadow.querySelector(selector);
  const root = $(".root");
  const panel = $(".panel");
  const launcher = $(".launcher");
  const closeButton = $(".close");
  const select = $(".language-select");
  const privacy = $(".privacy");
  const acceptButton = $(".accept");
  const log = $(".log");
  const typing = $(".typing");
  const form = $(".composer");
  const input = $("#lotse-input");
  const sendButton = $(".send");

  for (const code of LANGUAGES) {
    const option = document.createElement("option");
    option.value = code;
    option.lang = code;
    option.textContent = NATIVE_NAMES[code];
    select.appendChild(option);
  }

  // ---------------------------------------------------------------- rendering

  /** Apply the current language to the widget's own texts and the layout direction. */
  function applyLanguage() {
    const t = TEXTS[state.language];
    panel.lang = state.language;
    panel.dir = RTL.has(state.language) ? "rtl" : "ltr";
    launcher.lang = state.language;
    select.value = state.language;
    $("#lotse-subtitle").textContent = t.subtitle;
    for (const el of shadow.querySelectorAll("[data-text]")) el.textContent = t[el.dataset.text];
    for (const el of shadow.querySelectorAll("[data-label]")) el.setAttribute("aria-label", t[el.dataset.label]);
    select.setAttribute("aria-label", t.language);
    input.placeholder = t.input;
    for (const el of log.querySelectorAll(".retry")) el.textContent = t.retry;
    for (const el of log.querySelectorAll(".status")) el.textContent = t.sending;
    for (const el of log.querySelectorAll(".author")) el.textContent = t.counsellor;
  }

  /** Text with web addresses as links (built from text nodes: nothing from Lotse becomes HTML). */
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    const pattern = /https?:\/\/[^\s<>"«»“”]+/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const url = match[0].replace(/[.,;:!?)\]]+$/, ""); // "… (https://x.de)." ends before ")."
      fragment.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = url;
      a.textContent = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      fragment.append(a);
      last = match.index + url.length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  /** The element for one transcript item. */
  function renderItem(item) {
    const bubble = document.createElement("div");
    bubble.className = `msg ${item.who}`;
    bubble.dir = "auto"; // each message in its own direction, whatever the panel's
    if (item.who === "bot" || item.who === "counsellor" || item.who === "notice") {
      bubble.append(linkified(item.text));
    } else {
      bubble.textContent = item.text;
    }
    if (item.who === "counsellor") {
      const author = document.createElement("span");
      author.className = "author";
      author.dir = panel.dir;
      author.textContent = TEXTS[state.language].counsellor;
      bubble.prepend(author);
    }
    if (item.who === "me") {
      bubble.dataset.messageId = item.id;
      const who = document.createElement("span");
      who.className = "visually-hidden";
      who.dir = panel.dir; // with its own dir, it does not decide the bubble's dir="auto"
      who.textContent = `${TEXTS[state.language].you}: `;
      bubble.prepend(who);
      renderStatus(bubble, item);
    }
    item.element = bubble;
    return bubble;
  }

  /** "sending …" or the "not sent – retry" button under an own message. */
  function renderStatus(bubble, item) {
    for (const el of bubble.querySelectorAll(".status, .retry")) el.remove();
    bubble.classList.toggle("failed", item.status === "failed");
    if (item.status === "sending" || item.status === "waiting") {
      const status = document.createElement("span");
      status.className = "status";
      status.dir = panel.dir;
      status.textContent = TEXTS[state.language].sending;
      bubble.append(status);
    } else if (item.status === "failed") {
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "retry";
      retry.dir = panel.dir;
      retry.textContent = TEXTS[state.language].retry;
      retry.addEventListener("click", () => {
        item.status = "waiting";
        renderStatus(bubble, item);
        saveTranscript();
        input.focus();
        pump();
      });
      bubble.append(retry);
    }
  }

  /** Quick replies under the last bot message; answered by sending the payload. */
  function renderButtons(buttons) {
    const row = document.createElement("div");
    row.className = "buttons";
    row.setAttribute("role", "group");
    for (const button of buttons) {
      const b = document.createElement("button");
      b.type = "button";
      b.dir = "auto";
      b.textContent = button.title || button.payload;
      b.addEventListener("click", () => {
        send(button.payload, button.title);
        input.focus(); // the row disappears: keep the focus in the chat
      });
      row.appendChild(b);
    }
    return row;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  /** Rebuild the log from the transcript (on start and after page changes). */
  function renderAll() {
    log.textContent = "";
    for (const item of state.transcript) if (!item.hidden) log.appendChild(renderItem(item));
    const last = state.transcript[state.transcript.length - 1];
    if (last && last.who === "bot" && last.buttons && last.buttons.length) {
      log.appendChild(renderButtons(last.buttons));
    }
    scrollToEnd();
  }

  function append(item) {
    for (const row of log.querySelectorAll(".buttons")) row.remove(); // old choices are gone
    state.transcript.push(item);
    log.appendChild(renderItem(item));
    if (item.who === "bot" && item.buttons && item.buttons.length) log.appendChild(renderButtons(item.buttons));
    saveTranscript();
    scrollToEnd();
  }

  function showPrivacyIfNeeded() {
    privacy.hidden = state.accepted;
    log.hidden = !state.accepted;
    form.hidden = !state.accepted;
  }

  // ---------------------------------------------------------------- sending

  /** Queue one message: `text` goes to Lotse, `shown` is what the person sees (a button's title). */
  function send(text, shown) {
    if (!state.accepted) return;
    append({ who: "me", id: uuid(), payload: text, text: shown || text, status: "waiting" });
    pump();
  }

  /**
   * Send the oldest message that is waiting, one at a time, so Lotse gets them in order.
   * A failed message blocks the ones after it until it is retried.
   */
  function pump() {
    if (state.inFlight) return;
    const next = state.transcript.find((item) => item.who === "me" && item.status && item.status !== "sent");
    if (!next || next.status === "failed") return;
    deliver(next);
  }

  async function deliver(item) {
    state.inFlight = item;
    item.status = "sending";
    if (item.element) renderStatus(item.element, item);
    typing.hidden = false;
    scrollToEnd();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response = null;
    let data = null;
    try {
      response = await fetch(API_URL, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          session_id: state.sessionId,
          text: item.payload,
          language: state.language,
          message_id: item.id, // the same on every retry of this message
        }),
        signal: controller.signal,
      });
      data = await response.json();
    } catch (_) {
      data = null; // network error, timeout or not JSON: the person can retry
    } finally {
      clearTimeout(timer);
      typing.hidden = true;
      state.inFlight = null;
    }

    if (item.hidden) {
      // The automatic greeting is not retried; if it failed, say so, the person can just write.
      if (!(response && response.ok && data && Array.isArray(data.messages))) {
        state.transcript.splice(state.transcript.indexOf(item), 1);
        const text = (data && data.messages && data.messages[0] && data.messages[0].text) || TEXTS[state.language].offline;
        append({ who: "note", text });
        scrollToEnd();
        pump();
        return;
      }
    }
    if (response && response.ok && data && Array.isArray(data.messages)) {
      item.status = "sent";
      if (item.element) renderStatus(item.element, item);
      if (supported(data.language) && data.language !== state.language) setLanguage(data.language, false);
      for (const message of data.messages) {
        append({ who: "bot", text: String(message.text || ""), buttons: message.buttons || [] });
      }
      if (!data.messages.length && !item.hidden) {
        // No answer from Lotse: a counsellor has taken over. Check, and say where the message went.
        await poll();
        if (state.counsellor) append({ who: "note", text: TEXTS[state.language].toCounsellor });
      }
    } else if (response && response.status === 422) {
      // Never accepted (too long, …): retrying would not help.
      item.status = "sent";
      renderStatus(item.element, item);
      append({ who: "note", text: TEXTS[state.language].rejected });
    } else {
      // Network error or 503 (Lotse cannot answer right now): mark it, keep it for a retry.
      item.status = "failed";
      renderStatus(item.element, item);
      const retry = item.element.querySelector(".retry");
      if (retry && data && Array.isArray(data.messages) && data.messages[0]) retry.title = data.messages[0].text;
    }
    saveTranscript();
    scrollToEnd();
    pump();
  }

  // ---------------------------------------------------------------- messages from the centre

  /** Fetch new messages from the counselling centre once; never throws. */
  async function poll() {
    if (!state.sessionId || !state.accepted) return;
    const url = `${UPDATES_URL}?session_id=${encodeURIComponent(state.sessionId)}&after=${state.after}`;
    let data = null;
    try {
      const response = await fetch(url, { method: "GET", mode: "cors", credentials: "omit", cache: "no-store" });
      data = response.ok ? await response.json() : null;
    } catch (_) {
      data = null;
    }
    if (!data || !Array.isArray(data.messages)) {
      state.pollFailures += 1;
      return;
    }
    state.pollFailures = 0;
    state.counsellor = data.counsellor === true;
    for (const message of data.messages) {
      if (!Number.isInteger(message.id) || message.id <= state.after) continue;
      state.after = message.id;
      const who = message.kind === "counsellor" ? "counsellor" : "notice";
      append({ who, text: String(message.text || "") });
      if (!state.open) launcher.classList.add("has-news");
    }
    local.set(KEY.updates, JSON.stringify({ sessionId: state.sessionId, after: state.after }));
  }

  /** The pause before the next poll, or null when the page is hidden (no polling then). */
  function pollDelay() {
    if (document.visibilityState === "hidden") return null;
    const base = state.open ? POLL_OPEN_MS : POLL_CLOSED_MS;
    return Math.min(base * 2 ** state.pollFailures, POLL_MAX_BACKOFF_MS);
  }

  function schedulePoll() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    const delay = pollDelay();
    if (delay === null) return;
    state.pollTimer = setTimeout(async () => {
      await poll();
      schedulePoll();
    }, delay);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      poll().then(schedulePoll); // catch up at once when the page comes back
    } else {
      schedulePoll(); // stops polling
    }
  });

  // ---------------------------------------------------------------- language, open, close

  /** Switch the widget's language; `tellLotse` also asks Lotse to continue in it. */
  function setLanguage(code, tellLotse) {
    if (!supported(code)) return;
    state.language = code;
    local.set(KEY.language, code);
    applyLanguage();
    if (tellLotse && state.accepted) send(`/change_language{"language":"${code}"}`, NATIVE_NAMES[code]);
  }

  /** Open the panel; `moveFocus` is false when it is reopened after a page change. */
  function open(moveFocus = true) {
    if (state.open) return;
    state.open = true;
    tab.set(KEY.open, "1");
    panel.hidden = false;
    root.classList.add("is-open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    launcher.classList.remove("has-news");
    showPrivacyIfNeeded();
    if (state.accepted) ensureConversation();
    scrollToEnd();
    if (moveFocus) (state.accepted ? input : acceptButton).focus();
    poll().then(schedulePoll);
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    tab.set(KEY.open, "0");
    panel.hidden = true;
    root.classList.remove("is-open");
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
    schedulePoll(); // less often while closed
  }

  function accept() {
    state.accepted = true;
    local.set(KEY.privacy, PRIVACY_VERSION);
    showPrivacyIfNeeded();
    input.focus();
    ensureConversation();
  }

  /**
   * An empty panel gets something to show: a new conversation starts with Lotse's greeting
   * (a "/start" whose bubble is not shown); one Lotse already knows (this browser, another tab)
   * gets a short "welcome back", so an unfinished question is not interrupted by a greeting.
   */
  function ensureConversation() {
    if (state.transcript.length || state.greeted) return;
    state.greeted = true;
    if (state.sessionId) {
      append({ who: "note", text: TEXTS[state.language].welcomeBack });
      return;
    }
    state.sessionId = uuid();
    local.set(KEY.session, state.sessionId);
    state.transcript.push({ who: "me", id: uuid(), payload: "/start", hidden: true, status: "waiting" });
    pump();
  }

  // ---------------------------------------------------------------- events

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  acceptButton.addEventListener("click", accept);
  select.addEventListener("change", () => setLanguage(select.value, true));

  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line; not while an input method is composing.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    input.style.height = "";
    send(text, text);
  });

  window.addEventListener("online", () => {
    // Back online: nothing is resent behind the person's back, but the retry is right there.
    const failed = state.transcript.find((item) => item.status === "failed");
    if (failed && failed.element) failed.element.querySelector(".retry")?.focus({ preventScroll: true });
  });

  // ---------------------------------------------------------------- start

  applyLanguage();
  renderAll();
  showPrivacyIfNeeded();
  function mount() {
    document.body.appendChild(host);
    const wanted = (script && script.dataset.lotseOpen === "true") || tab.get(KEY.open) === "1";
    if (wanted) open(false); // reopened after a page change: do not move the page's focus
    else schedulePoll();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.LotseWidget = {
    open: () => open(true),
    close,
    setLanguage: (code) => setLanguage(code, true),
  };
})();
