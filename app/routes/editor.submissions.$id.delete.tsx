/**
 * Deleting a submission: a confirmation page (GET), then a POST with the CSRF checks. The blobs
 * and every row go; the audit log keeps one line saying who deleted it and on which day.
 */
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { requireEditor, requireMutation } from "~/editor/guards";
import { DeleteFormSchema, fieldsOf } from "~/editor/forms";
import { SubmissionIdSchema } from "~/envelope/format";
import { formatBytes } from "~/i18n/format";

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
      <h1>Delete this submission?</h1>
      <dl>
        <dt>Day</dt>
        <dd>{entry.day}</dd>
        <dt>Reference</dt>
        <dd>
          <code>{entry.id}</code>
        </dd>
        <dt>Files</dt>
        <dd>{entry.files}</dd>
        <dt>Size (padded)</dt>
        <dd>{formatBytes(entry.paddedBytes, "en")}</dd>
        <dt>State</dt>
        <dd>{entry.state}</dd>
      </dl>
      <div className="notice notice--warning">
        <p className="notice__title">This cannot be undone.</p>
        <p>
          The encrypted files and every record of this submission are removed from the server. Only an audit line remains: that you deleted it
          today. {entry.state === "new" ? "No editor has downloaded it yet." : ""}
        </p>
      </div>
      <form method="post" action={`/editor/submissions/${entry.id}/delete`} className="inbox-actions">
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" className="button button--danger-solid">
          Delete for good
        </button>
        <a className="button" href="/editor">
          Cancel
        </a>
      </form>
    </>
  );
}
