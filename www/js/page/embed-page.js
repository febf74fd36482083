// The example campaign page's own text in the visitor's language. <unseen-camera> takes the page's
// language when it has no lang of its own; here the language is chosen after it has started, so it is
// told.
import { translatePage } from "./i18n.js";

translatePage().then((strings) => {
  for (const el of document.querySelectorAll("unseen-camera:not([lang])")) el.setAttribute("lang", strings.lang);
}).catch(() => {});
