/** One call of the Okta simulator process's control API (`okta-sim-process`): `route` is "METHOD /path". */
export async function simControl<T = unknown>(controlUrl: string, route: string, body?: unknown): Promise<T> {
  const [method, path] = route.split(' ') as [string, string];
  const res = await fetch(`${controlUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`simulator control ${route}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
