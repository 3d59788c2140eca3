import type { ReactNode } from "react";

export interface ShellEditor {
  name: string;
  csrf: string;
}

/**
 * The editor interface's frame: its own header (the witness header, language switch and all, is
 * hidden on these pages by editor.css), the demo warning, and the signed-in editor with a logout
 * button. Plain forms and links only: everything works without JavaScript.
 */
export function EditorShell({ demo, editor, children }: { demo: boolean; editor: ShellEditor | null; children: ReactNode }) {
  return (
    <div className="editor-shell">
      <header className="editor-header">
        <div className="editor-header__bar">
          <a className="site-name" href="/editor">
            Testigo · editors
          </a>
          {editor ? (
            <form method="post" action="/editor/logout" className="editor-header__session">
              <span className="editor-header__name" data-testid="signed-in-as">
                Signed in as <strong>{editor.name}</strong>
              </span>
              <input type="hidden" name="csrf" value={editor.csrf} />
              <button type="submit" className="button button--small editor-header__logout">
                Log out
              </button>
            </form>
          ) : null}
        </div>
        {demo ? (
          <p className="demo-banner" role="alert">
            DEMO MODE: the keyring was generated on this server. Submissions here are not protected by real editor keys.
          </p>
        ) : null}
      </header>
      <main className="page editor-page">{children}</main>
    </div>
  );
}
