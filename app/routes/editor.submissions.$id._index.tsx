/**
 * A thread's page (docs/adr/0007-two-way-contact.md): the witness's first submission, the
 * follow-ups they sent later, the replies editors sent, the thread's bundle, the reply composer
 * and deletion. `_index` so the page is a sibling of `.delete`, not its layout.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireEditor } from "~/editor/guards";
import { ReplyComposer } from "~/editor/ReplyComposer";
import { SubmissionFacts } from "~/editor/SubmissionFacts";
import { SubmissionIdSchema } from "~/envelope/format";
import { formatBytes, normalizeFingerprint } from "~/i18n/format";

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { portal, session } = requireEditor(request, context);
  const id = SubmissionIdSchema.safeParse(params.id);
  if (!id.success) throw new Response(null, { status: 404 });
  const thread = portal.thread(id.data);
  if (!thread) throw new Response(null, { status: 404 });
  return {
    thread,
    csrf: session.csrfToken,
    keyring: portal.keyringBundle(),
    rootFingerprint: normalizeFingerprint(typeof context.rootFingerprint === "string" ? context.rootFingerprint : ""),
  };
}

export default function ThreadPage() {
  const { thread, csrf, keyring, rootFingerprint } = useLoaderData<typeof loader>();
  const { entry, followUps, replies, witnessPublicKey } = thread;
  return (
    <>
      <p>
        <a href="/editor">← Inbox</a>
      </p>
      <h1>
        Thread <code title={entry.id}>{entry.ref}</code>
      </h1>
      <SubmissionFacts entry={entry} className="thread-facts" />
      <div className="inbox-actions">
        <a className="button button--primary" href={`/editor/submissions/${entry.id}/bundle`} download data-testid="thread-bundle">
          Download the thread as one bundle
        </a>
        <a className="button button--danger" href={`/editor/submissions/${entry.id}/delete`}>
          Delete the thread…
        </a>
      </div>
      <p className="hint">
        The bundle holds the first submission, every follow-up and every reply, as ciphertext. Decrypt it offline with{" "}
        <code>testigo decrypt</code>; write a reply offline from it with <code>testigo reply</code>.
      </p>

      <h2>Follow-ups</h2>
      {followUps.length === 0 ? (
        <p data-testid="no-follow-ups">The witness has not sent anything more.</p>
      ) : (
        <table className="inbox" data-testid="follow-ups">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Reference</th>
              <th scope="col" className="num">
                Files
              </th>
              <th scope="col" className="num">
                Size (padded)
              </th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {followUps.map((f) => (
              <tr key={f.id} data-follow-up={f.id} data-testid="follow-up-row">
                <td>{f.day}</td>
                <td>
                  <code title={f.id}>{f.ref}</code>
                </td>
                <td className="num">{f.files}</td>
                <td className="num">{formatBytes(f.paddedBytes, "en")}</td>
                <td>
                  <span className={`state state--${f.state}`}>{f.state}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Replies</h2>
      {replies.length === 0 ? (
        <p data-testid="no-replies">No editor has replied yet.</p>
      ) : (
        <table className="inbox" data-testid="replies">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Editor</th>
              <th scope="col" className="num">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {replies.map((r) => (
              <tr key={r.id} data-reply={r.id} data-testid="reply-row">
                <td>{r.day}</td>
                <td>{r.editor ?? "(account removed)"}</td>
                <td className="num">{formatBytes(r.size, "en")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {witnessPublicKey === null ? (
        <div className="notice" data-testid="no-codename">
          <p className="notice__title">No reply is possible.</p>
          <p>The witness chose no codename, so there is no key to encrypt a reply to and no way for them to read one.</p>
        </div>
      ) : (
        <ReplyComposer thread={entry.id} witnessPublicKey={witnessPublicKey} keyring={keyring} rootFingerprint={rootFingerprint} csrf={csrf} />
      )}
    </>
  );
}
