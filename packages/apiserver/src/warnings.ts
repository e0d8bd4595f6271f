// Warning response headers as k8s.io/apiserver's warning recorder (endpoints/filters/warning.go)
// writes them: each text once, and about 4 KiB of text in all. Without the cap a PodCliqueSet with
// a few hundred cliques got one header per clique and Node clients failed with HPE_HEADER_OVERFLOW
// after the write had been committed.

/** Total runes of warning text before the recorder starts truncating (kube: 4 * 1024). */
export const truncateAtTotalRunes = 4 * 1024;
/** Runes each warning is cut to once truncating (kube: 256). */
export const truncateItemRunes = 256;

const runes = (s: string): string[] => Array.from(s);

// unicode.IsControl (C0, DEL, C1), or half of a surrogate pair.
const controlOrLoneSurrogate =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** apimachinery's net.NewWarningHeader(299, "-", text): undefined for text it refuses. */
function warningHeader(text: string): string | undefined {
  // Control characters (a newline above all) would break the header, and a lone surrogate is not
  // UTF-8: kube drops such a warning.
  if (controlOrLoneSurrogate.test(text)) return undefined;
  const quoted = `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  // The bytes on the wire are UTF-8, as Go writes them (Node writes header strings as latin1).
  return `299 - ${Buffer.from(quoted, "utf8").toString("latin1")}`;
}

/**
 * The `Warning` header values for warnings recorded in this order: duplicates dropped; once the
 * texts pass `truncateAtTotalRunes` runes, every warning is cut to `truncateItemRunes` runes, and
 * warnings that come after the total is reached again are dropped.
 */
export function warningHeaderValues(texts: readonly string[]): string[] {
  const seen = new Set<string>();
  const ordered: string[] = [];
  let headers: string[] = [];
  let written = 0;
  let truncating = false;
  const cut = (text: string): [string, number] => {
    const r = runes(text);
    return r.length > truncateItemRunes
      ? [r.slice(0, truncateItemRunes).join(""), truncateItemRunes]
      : [text, r.length];
  };
  for (const original of texts) {
    if (original.length === 0) continue;
    if (written >= truncateAtTotalRunes && truncating) break;
    if (seen.has(original)) continue;
    seen.add(original);
    ordered.push(original);
    let text = original;
    let length = runes(text).length;
    if (truncating) [text, length] = cut(text);
    const header = warningHeader(text);
    if (header === undefined) continue;
    if (written + length <= truncateAtTotalRunes || truncating) {
      written += length;
      headers.push(header);
      continue;
    }
    // Over the limit: truncate from now on, replaying what was written as truncated warnings.
    truncating = true;
    written = 0;
    headers = [];
    for (const w of ordered) {
      const [t, n] = cut(w);
      const h = warningHeader(t);
      if (h === undefined) continue;
      written += n;
      headers.push(h);
    }
  }
  return headers;
}
