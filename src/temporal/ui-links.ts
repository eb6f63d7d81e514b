/** Link to one workflow in the Temporal Web UI. */
export function workflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Link to the workflow list filtered by a visibility query, e.g. `ModelName="btc-1d"`. */
export function workflowListUrl(uiUrl: string, namespace: string, query?: string): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  return query ? `${base}?query=${encodeURIComponent(query)}` : base;
}
