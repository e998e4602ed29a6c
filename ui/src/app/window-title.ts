/** Sets the window's title (the shell shows document.title in the title bar). */
export function setWindowTitle(title: string): void {
  document.title = title;
}
