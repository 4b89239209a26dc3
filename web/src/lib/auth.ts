// Sign-in: OpenID Connect authorization code + PKCE (oidc-client-ts). The
// ID token is the API's bearer (its `aud` is the app client; the pre token
// generation trigger put the business and role in it). Tokens live in
// sessionStorage, never in a URL.
import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { appConfig } from './config';

let manager: Promise<UserManager> | undefined;

function userManager(): Promise<UserManager> {
  manager ??= appConfig().then(
    (c) =>
      new UserManager({
        authority: c.authority,
        client_id: c.clientId,
        redirect_uri: `${location.origin}/callback`,
        post_logout_redirect_uri: `${location.origin}/`,
        response_type: 'code',
        scope: 'openid',
        userStore: new WebStorageStateStore({ store: sessionStorage }),
        automaticSilentRenew: false,
        ...(c.signOutUrl ? { metadataSeed: { end_session_endpoint: c.signOutUrl } } : {}),
      }),
  );
  return manager;
}

/** The signed-in user with an unexpired token, or null. */
export async function currentUser(): Promise<User | null> {
  const user = await (await userManager()).getUser();
  return user && !user.expired && user.id_token ? user : null;
}

/**
 * The API's bearer: the ID token, renewed with the refresh token when it has
 * expired (the user pool's ID tokens last 15 minutes; a renewed one also
 * carries a membership changed since).
 */
export async function bearer(): Promise<string | null> {
  const m = await userManager();
  let user = await m.getUser();
  if (user?.expired && user.refresh_token) {
    user = await m.signinSilent().catch(() => null);
  }
  return user && !user.expired ? (user.id_token ?? null) : null;
}

/** To the provider's sign-in page; back at `returnTo` afterwards. */
export async function signIn(returnTo = location.pathname + location.search): Promise<void> {
  await (await userManager()).signinRedirect({ state: { returnTo } });
}

/** Completes the redirect; returns where the user was going. */
export async function completeSignIn(): Promise<string> {
  const user = await (await userManager()).signinRedirectCallback();
  const state = user.state as { returnTo?: string } | undefined;
  const to = state?.returnTo;
  // Only a path of this app: never an open redirect.
  return to && to.startsWith('/') && !to.startsWith('//') ? to : '/';
}

export async function signOut(): Promise<void> {
  const m = await userManager();
  const user = await m.getUser();
  await m.removeUser();
  await m.signoutRedirect({ id_token_hint: user?.id_token });
}
