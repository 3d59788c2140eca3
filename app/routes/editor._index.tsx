/**
 * The inbox: threads (a witness's first sealed submission), newest day first, with what the server
 * can know about them (day, number of files, padded size, follow-ups) and what editors did
 * (downloaded or not, replied or not). Each row links to its thread's page; downloads are plain
 * links to the host's streaming bundle endpoints.
 */
import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireEditor } from "~/editor/guards";
import { INBOX_PAGE_SIZE, InboxQuerySchema } from "~/editor/forms";
import { formatBytes } from "~/i18n/format";

export function loader({ request, context }: LoaderFunctionArgs) {
  const { portal } = requireEditor(request, context);
  const query = InboxQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const all = portal.inbox();
  const pages = Math.max(1, Math.ceil(all.length / INBOX_PAGE_SIZE));
  const page = Math.min(query.page, pages);
  return {
    entries: all.slice((page - 1) * INBOX_PAGE_SIZE, page * INBOX_PAGE_SIZE),
    total: all.length,
    newCount: all.filter((e) => e.state === "new").length,
    page,
    pages,
    notice: query.notice ?? null,
  };
}

export default function Inbox() {
  const { entries, total, newCount, page, pages, notice } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Inbox</h1>
      {notice === "deleted" ? (
        <p className="notice notice--good" role="status">
          The submission was deleted. Its follow-ups, the replies and the witness's key went with it.
        </p>
      ) : null}
      <p data-testid="inbox-summary">
        {total === 0 ? "No sealed submissions yet." : `${total} sealed submission${total === 1 ? "" : "s"}, ${newCount} new.`}
      </p>
      <p className="hint">
        Bundles hold ciphertext only. Decrypt them on your offline machine with <code>testigo decrypt</code> (or GnuPG, see the README).
      </p>
      {newCount > 0 ? (
        <div className="inbox-actions">
          <a className="button button--primary" href="/editor/bundles/new" download data-testid="download-new">
            Download all new ({newCount}) as one bundle
          </a>
        </div>
      ) : null}
      {entries.length > 0 ? (
        <table className="inbox" data-testid="inbox">
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
              <th scope="col" className="num">
                Follow-ups
              </th>
              <th scope="col">State</th>
              <th scope="col">Replies</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-submission={e.id}>
                <td>{e.day}</td>
                <td>
                  <a href={`/editor/submissions/${e.id}`} data-testid="open-thread" aria-label={`Open thread ${e.ref}`}>
                    <code title={e.id}>{e.ref}</code>
                  </a>
                </td>
                <td className="num">{e.files}</td>
                <td className="num">{formatBytes(e.paddedBytes, "en")}</td>
                <td className="num" data-testid="follow-ups">
                  {e.followUps}
                </td>
                <td>
                  <span className={`state state--${e.state}`} data-testid="state">
                    {e.state}
                  </span>
                </td>
                <td data-testid="replies">{e.replies ? "yes" : "no"}</td>
                <td>
                  <div className="inbox__row-actions">
                    <a className="button button--small" href={`/editor/submissions/${e.id}`}>
                      Open
                    </a>
                    <a className="button button--small" href={`/editor/submissions/${e.id}/bundle`} download data-testid="download">
                      Download
                    </a>
                    <a className="button button--small button--danger" href={`/editor/submissions/${e.id}/delete`}>
                      Delete…
                    </a>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          {page > 1 ? <a href={`/editor?page=${page - 1}`}>Newer</a> : null}
          <span>
            Page {page} of {pages}
          </span>
          {page < pages ? <a href={`/editor?page=${page + 1}`}>Older</a> : null}
        </nav>
      ) : null}
    </>
  );
}
