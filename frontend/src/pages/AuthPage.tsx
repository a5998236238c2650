// Sign in and sign up: one form, two modes (/signin, /signup). The form does
// no validation of its own: the API's messages are the ones shown.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { auth } from '../app';
import { errorText } from '../api/errors';
import { Link, usePath, useTitle } from '../ui/router';

export function AuthPage({ notice }: { notice: string | null }) {
  const signUp = usePath() === '/signup';
  useTitle(signUp ? 'Create an account' : 'Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setError(null);
    emailRef.current?.focus();
  }, [signUp]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signUp) await auth.register(email, password);
      await auth.login(email, password);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <main className="auth" id="main">
      <h1 className="brand-title">vidpipe</h1>
      <form onSubmit={submit} noValidate aria-labelledby="auth-h" aria-describedby={error ? 'auth-error' : undefined}>
        <h2 id="auth-h">{signUp ? 'Create an account' : 'Sign in'}</h2>
        {notice && !error && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="email">Email</label>
        <input
          id="email"
          ref={emailRef}
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={error ? true : undefined}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete={signUp ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          aria-describedby={signUp ? 'pw-hint' : undefined}
          aria-invalid={error ? true : undefined}
        />
        {signUp && (
          <p id="pw-hint" className="hint">
            8 to 256 characters.
          </p>
        )}
        {error && (
          <p id="auth-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Please wait…' : signUp ? 'Create account' : 'Sign in'}
        </button>
        <p className="switch">
          {signUp ? (
            <>
              Already have an account? <Link href="/signin">Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link href="/signup">Create an account</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}
