/** Server-made bundle names: the day and a short id prefix, nothing a witness chose. */
export function bundleFileName(day: string, id: string): string {
  return `testigo-${day}-${id.slice(0, 8)}.tar`;
}
