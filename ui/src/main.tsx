import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ComposeApp } from "./ComposeApp";
import { ReminderApp } from "./ReminderApp";
import { composeParams } from "./compose/compose";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
// The shell opens the same page for each window: the main window, the reminder window at
// #reminders, and compose windows at #compose?mode=….
const hash = window.location.hash;
const compose = composeParams(hash);
createRoot(root).render(
  <StrictMode>{compose ? <ComposeApp params={compose} /> : hash === "#reminders" ? <ReminderApp /> : <App />}</StrictMode>,
);
