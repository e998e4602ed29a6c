import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ComposeApp } from "./ComposeApp";
import { ReaderApp } from "./ReaderApp";
import { readerParams } from "./mail/reader-window";
import { ReminderApp } from "./ReminderApp";
import { composeParams } from "./compose/compose";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
// The shell opens the same page for each window: the main window, the reminder window at
// #reminders, compose windows at #compose?mode=… and reader windows (a saved message) at
// #reader?id=….
const hash = window.location.hash;
const compose = composeParams(hash);
const reader = readerParams(hash);
createRoot(root).render(
  <StrictMode>
    {compose ? <ComposeApp params={compose} /> : reader ? <ReaderApp messageId={reader.id} /> : hash === "#reminders" ? <ReminderApp /> : <App />}
  </StrictMode>,
);
