import { Fragment } from "react";
import { fingerprintGroups } from "~/i18n/format";

/**
 * Groups of four, as GnuPG prints them, in two rows of five so it fits a phone screen. Real
 * spaces between groups, so a copied fingerprint reads the same as a published one.
 */
export function Fingerprint({ value }: { value: string }) {
  const groups = fingerprintGroups(value);
  const rows = [groups.slice(0, 5), groups.slice(5)].filter((row) => row.length > 0);
  return (
    <p className="fingerprint" translate="no" data-testid="root-fingerprint">
      {rows.map((row, i) => (
        <Fragment key={i}>
          {i > 0 ? " " : null}
          <span className="fingerprint__row">{row.join(" ")}</span>
        </Fragment>
      ))}
    </p>
  );
}
