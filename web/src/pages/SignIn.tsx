/** Shown when there is no usable token: says why, and how to get one. */
export function SignIn({ reason }: { reason: string }) {
  return (
    <main>
      <h1>Sign in</h1>
      <p role="status">{reason}</p>
      <p>
        Open the sign-in link your platform gives you. For a local install, an operator prints one with{' '}
        <code>npm run cli -- login --org &lt;organization id&gt; --role ADMIN</code>.
      </p>
    </main>
  );
}
