import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { ReminderApp } from "./ReminderApp";
import "./styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
// The shell opens the same page twice: the main window, and the reminder window at #reminders.
const isReminderWindow = window.location.hash === "#reminders";
createRoot(root).render(<StrictMode>{isReminderWindow ? <ReminderApp /> : <App />}</StrictMode>);
