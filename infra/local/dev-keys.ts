/**
 * LOCAL DEVELOPMENT KEY PAIRS — NOT SECRETS, NEVER FOR PRODUCTION.
 *
 * Telnyx (Ed25519), SendGrid (ECDSA P-256) and Amazon SNS (RSA, for SES notifications) sign their
 * webhooks with a private key that only they hold; optout-hub is configured with the public half
 * (for SNS, its certificate). So that both can be tried on a
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

/**
 * A self-signed certificate standing in for SNS's signing certificate (SES notifications), and
 * its private key. `npm start` pins it (SNS_SIGNING_CERTIFICATE_PEM) instead of fetching the
 * message's SigningCertURL; `npm run demo -- ses` signs with the key. `cdk synth` refuses the pin.
 */
export const localSnsSigningCertificatePem = `-----BEGIN CERTIFICATE-----
MIIDVTCCAj2gAwIBAgIUM7gqG9UBLa4b8YJpMT4dQFVXpB8wDQYJKoZIhvcNAQEL
BQAwOjE4MDYGA1UEAwwvb3B0b3V0LWh1YiBsb2NhbCBTTlMgc2lnbmluZyAoZGV2
ZWxvcG1lbnQgb25seSkwHhcNMjYxMjAyMTg0NjQ0WhcNNDYxMTI3MTg0NjQ0WjA6
MTgwNgYDVQQDDC9vcHRvdXQtaHViIGxvY2FsIFNOUyBzaWduaW5nIChkZXZlbG9w
bWVudCBvbmx5KTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBANSboOYI
XLbizYizZd/qla+z5hc/uZ54HdFNpXK0Zok3QwkDjT4Q14G7HAsENjTo7B0IsvrF
GBMj4SVHb8xTCZY/1iUFuNGixlUri4xefM4Gf5VV9meAo07uikbPW4BRLF7061Hf
sBvKYV7wBEH+Tv4PmFEnbOXI/nX1DHsCt5PVzMTHqoG8HDp5PVvMYg2jvn7vskrK
xQs/TQT9R8J218F0GJwJEaq4fInz/oD9JsK3qqRHO1uMXlx18pSOk9IOEIw1sQcF
vUt90pO+vcIem6nw4/xRjb4pxuCifbaWPY1MtEDIEztKpZl++C6lNZMYCXK5voqh
Lsx9cTIH879SNA0CAwEAAaNTMFEwHQYDVR0OBBYEFElhdw62QjpM4fytmBtyEanI
ChpTMB8GA1UdIwQYMBaAFElhdw62QjpM4fytmBtyEanIChpTMA8GA1UdEwEB/wQF
MAMBAf8wDQYJKoZIhvcNAQELBQADggEBALKLDjGwJJ4OHa3dC9w0W/jPv4gGYz5/
SEd/tJIKSFcSrFiTzwSSFYDKQpqW9CYhuP/37c83Lceuwln7cq0/+m4Q63pm3f5i
dKvcwNddBxFwiD/nWqO1IxnMr00wtm5xvVbfTcLP2HpbRcFDM1dGS93omqTlvwg1
DTNWw/QtmMWIwrQ6N7uHto5SB4DAXAewsaeeXCjbPXsEZRkXDUvkDox+T5fm+hQf
eIhHHkupgG1etu1xwQjwucLe5mvVxBqFAtL7Ai3Tv1UUYymyosV0Yz6nZ5yv4T0X
r1v4T75ovtw+JzWswiiz5ZSbdazLVJsdFoc4ZYQ53ZYHMNSbvHNBn4Y=
-----END CERTIFICATE-----
`;
export const localSnsSigningPrivateKeyPem = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDUm6DmCFy24s2I
s2Xf6pWvs+YXP7meeB3RTaVytGaJN0MJA40+ENeBuxwLBDY06OwdCLL6xRgTI+El
R2/MUwmWP9YlBbjRosZVK4uMXnzOBn+VVfZngKNO7opGz1uAUSxe9OtR37AbymFe
8ARB/k7+D5hRJ2zlyP519Qx7AreT1czEx6qBvBw6eT1bzGINo75+77JKysULP00E
/UfCdtfBdBicCRGquHyJ8/6A/SbCt6qkRztbjF5cdfKUjpPSDhCMNbEHBb1LfdKT
vr3CHpup8OP8UY2+Kcbgon22lj2NTLRAyBM7SqWZfvgupTWTGAlyub6KoS7MfXEy
B/O/UjQNAgMBAAECggEAZijd+Iq+GjcDMhOZ+S1cfdAA2N0LEUWAdmlL/cEHoBmI
wZUOUmt/UlwZToXYkjX19sGOVwdL2S6dae9YniKscaD9Ak8sjrcbfCNva6SfbdQb
jCOBQhzC3BOtJ/dNbWwT2RDw3ieRFNl7TkYglaFgTZ4qv5wlLIkXFJEKTTVyBruN
iAfSrLqQip41wCVYA2+S+IfUU7ZwN/vB6CzAoPeTuR7SON6Rd7w8LJ0c/AnHOEX8
uVhmXwyPOO/xH1G4CRi5DrwKVGq3K69ER5WMLvRGobc0LIwVaGMV7wCeKvB/t9R2
P9BRnoflT3CI0n2X2idB/QbZD+IYPgWsPiZJiEY5VQKBgQD4CbJEt8Uy1pu5nmoa
jKCFSV/evHcWEAb9Y1dXzEFvk3NGpvUNUQmAMAlX6B7ylUI9yShVOOflJR/yVxDE
ZtIkGzhS61+7Al1zYV2eU66Wdp2LJMLePsz4gagG3Mraa19fMA2kljG7xQmkOrdu
y3RpvQVdfcJqAG+KRkZHWQ99PwKBgQDbbsdujD6u4cpPaJYaM3ybYtG9boTRTtaU
2EvRRIyQUx4AZw+Xh2nOW1poWYz9bSAwgFLOkJeHiTRxUypcKb8Qd3v2++lKWUSI
A+fRs/jQxlAatjV3faro79aQWQ2o/jzq5PSYCE2d8r/WyzjU4uErcS8bRT7jfg3m
Xpx32u0fswKBgEDT//T39yGfd9oe7mp8AOR1VgpYRePNUpZdpZF8AEpSRpnbv0a4
vHv1kiuYrqYGnuaZMeJ8WhfJCT2ExgwfN6NaPfFmNYIiTxx+AUMFaidHX0vj0s7V
qSr2cF1Czf4ifC3b2GUBIISMLkXvVswtfwK39bQGz453CLAiR/IT8/lvAoGBAJz5
k7u2okTzC4phFDgsKvDx8X8lZ+hgEMusLBjJhBDfFPBOye2plnxkB7nsjhrhjQyF
UDerYms4MQb86qnBx4gdIdZfAdYJJCh1OspeiBm6NKXXQUp44OIAaSscOdRyA9w5
6+wyzGu4s5oSCVbp8xDjyEIm+EU/8OujNSXcvJNXAoGBAMBaknnDSF8vtclCkcVO
HN8UDjK5wNlKZ9BB2A2qilnNugxytP7TTsHTcrrkVwy1PQlw7zOQZYpYVT5YYgi/
Tir853pbxGG2uxbplu7nc6mh8ajitmhbUYnT8iDksc/Tbo442AGnUP9510R6uXlX
krqSv36ouo0gTU4OJRMCDqM5
-----END PRIVATE KEY-----
`;

/** The SNS topic a local SES notification comes from (SES_SNS_TOPIC_ARNS under `npm start`). */
export const localSesTopicArn = 'arn:aws:sns:us-east-1:000000000000:local-ses-notifications';
