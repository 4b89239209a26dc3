// Where the app signs in: /config.json, served next to the app (by the
// local stack's dev server, or written to the bucket by the deploy), so one
// build runs against any stage.
export interface AppConfig {
  /** The OIDC issuer: the local provider, or the user pool's issuer URL. */
  authority: string;
  clientId: string;
  /** Cognito's hosted UI has no end_session_endpoint in its discovery: its /logout URL. */
  signOutUrl?: string;
}

let loaded: Promise<AppConfig> | undefined;

export function appConfig(): Promise<AppConfig> {
  loaded ??= fetch('/config.json', { cache: 'no-store' }).then(async (res) => {
    if (!res.ok) throw new Error(`config.json: ${res.status}`);
    return (await res.json()) as AppConfig;
  });
  return loaded;
}
