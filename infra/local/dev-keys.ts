/**
 * LOCAL DEVELOPMENT KEY PAIRS — NOT SECRETS, NEVER FOR PRODUCTION.
 *
 * Telnyx (Ed25519) and SendGrid (ECDSA P-256) sign their webhooks with a private key that only
 * they hold; optout-hub is configured with the public half. So that both can be tried on a
 * developer's machine, `npm start` trusts the public halves below (runtime.ts localDefaults, only
 * when the environment sets nothing) and `npm run demo` signs with the private halves. They are
 * published in this repository: anyone can sign with them, so a deployment must never use them.
 */

/** Base64 of the raw 32-byte Ed25519 public key, as Telnyx shows it. */
export const localTelnyxPublicKey = 'N+uHPyoeJAsDenizvoRbVaYvmUPKeCvTSed494nhUvM=';
export const localTelnyxPrivateKeyPem = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIOe5HaTm+uFJwn8cG3sXvyJWx7LPQHOb7SF6zASuNdxH
-----END PRIVATE KEY-----
`;

/** Base64 SPKI of the P-256 public key, as SendGrid shows its verification key. */
export const localSendgridPublicKey =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEBwUv78vmCCX5MPcAKGFVF2392RSb7a9pt5zSdUvcJDDmn+kQmbqxDml8TISpUC3zNm4fv6mi6//Q9w8CvSZIUA==';
export const localSendgridPrivateKeyPem = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtH/jkmZ70Ac0yXe3
Eh/mR6E1+4QLjFoibjmtoUu/RguhRANCAAQHBS/vy+YIJfkw9wAoYVUXbf3ZFJvt
r2m3nNJ1S9wkMOaf6RCZurEOaXxMhKlQLfM2bh+/qaLr/9D3DwK9JkhQ
-----END PRIVATE KEY-----
`;

/** One Standard Webhooks secret shared by every dialer that signs that way, locally only. */
export const localDialerWebhookSecret = 'whsec_bG9jYWwtZGV2LWRpYWxlci13ZWJob29rLXNlY3JldCE=';
