/**
 * Deleting a thread: a confirmation page (GET), then a POST with the CSRF checks. The first
 * submission, its follow-ups (blobs and rows), the replies and the witness's contact record (their
 * key) go in one transaction (docs/adr/0007-two-way-contact.md); the audit log keeps one line
 * saying who deleted it and on which day.
 */
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireEditor, requireMutation } from "~/editor/guards";
import { DeleteFormSchema, fieldsOf } from "~/editor/forms";
import { SubmissionFacts } from "~/editor/SubmissionFacts";
import { SubmissionIdSchema } from "~/envelope/format";

function submissionId(params: LoaderFunctionArgs["params"]): string {
  const id = SubmissionIdSchema.safeParse(params.id);
  if (!id.success) throw new Response(null, { status: 404 });
  return id.data;
}

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { portal, session } = requireEditor(request, context);
  const entry = portal.submission(submissionId(params));
  if (!entry) throw new Response(null, { status: 404 });
  return { entry, csrf: session.csrfToken };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { portal, session, form } = await requireMutation(request, context);
  const id = submissionId(params);
  if (!DeleteFormSchema.safeParse(fieldsOf(form)).success) throw new Response(null, { status: 400 });
  if (!(await portal.deleteSubmission(session, id))) throw new Response(null, { status: 404 });
  return redirect("/editor?notice=deleted", 303);
}

export default function DeleteSubmission() {
  const { entry, csrf } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Delete this thread?</h1>
      <SubmissionFacts entry={entry}>
        <dt>Follow-ups</dt>
        <dd>{entry.followUps}</dd>
        <dt>Replies</dt>
        <dd>{entry.replies ? "yes" : "none"}</dd>
      </SubmissionFacts>
      <div className="notice notice--warning">
        <p className="notice__title">This cannot be undone.</p>
        <p>
          The whole thread is removed from the server: this submission and every follow-up the witness sent (encrypted files and records), every
          reply editors sent, and the witness&apos;s key and codename login, so the witness can no longer open the conversation. Only an audit
          line remains: that you deleted it today. {entry.state === "new" ? "No editor has downloaded it yet." : ""}
        </p>
      </div>
      <form method="post" action={`/editor/submissions/${entry.id}/delete`} className="inbox-actions">
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" className="button button--danger-solid">
          Delete for good
        </button>
        <a className="button" href={`/editor/submissions/${entry.id}`}>
          Cancel
        </a>
      </form>
    </>
  );
}
