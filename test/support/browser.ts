/**
 * Follows redirects the way a browser does (cookies kept per host, `Location` resolved), stopping at the
 * first URL that starts with `stopAt` without requesting it.
 */
export async function followRedirects(start: string, stopAt: string, maxHops = 20): Promise<string> {
  const jar = new Map<string, Map<string, string>>();
  let url = start;
  for (let hop = 0; hop < maxHops; hop++) {
    if (url.startsWith(stopAt)) return url;
    const host = new URL(url).host;
    const cookies = jar.get(host) ?? new Map<string, string>();
    jar.set(host, cookies);
    const response = await fetch(url, {
      redirect: 'manual',
      headers: cookies.size > 0 ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {},
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    if (location === null) {
      throw new Error(
        `${url} answered ${response.status} without a redirect: ${(await response.text()).slice(0, 300)}`,
      );
    }
    await response.arrayBuffer();
    url = new URL(location, url).toString();
  }
  throw new Error(`more than ${maxHops} redirects from ${start}`);
}
