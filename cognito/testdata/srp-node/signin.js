// The reference client for cognito's tests: amazon-cognito-identity-js signs in with SRP
// (authenticateUser's default flow) against the test server, then refreshes the session.
// Input: the environment (ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD); output: one JSON
// line with the tokens, or the error on stderr and exit status 1.
'use strict';
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    throw new Error(`${name} is not set`);
  }
  return v;
};

const pool = new CognitoUserPool({
  UserPoolId: env('POOL_ID'),
  ClientId: env('CLIENT_ID'),
  endpoint: env('ENDPOINT'),
});
const user = new CognitoUser({ Username: env('USERNAME'), Pool: pool });
const details = new AuthenticationDetails({ Username: env('USERNAME'), Password: env('PASSWORD') });

const fail = (step) => (err) => {
  process.stderr.write(`${step}: ${err && (err.code || err.name)}: ${err && err.message}\n`);
  process.exit(1);
};

user.authenticateUser(details, {
  onSuccess(session) {
    user.refreshSession(session.getRefreshToken(), (err, refreshed) => {
      if (err) {
        fail('refreshSession')(err);
        return;
      }
      process.stdout.write(JSON.stringify({
        idToken: session.getIdToken().getJwtToken(),
        accessToken: session.getAccessToken().getJwtToken(),
        refreshToken: session.getRefreshToken().getToken(),
        refreshedAccessToken: refreshed.getAccessToken().getJwtToken(),
        username: user.getUsername(),
      }) + '\n');
    });
  },
  onFailure: fail('authenticateUser'),
  newPasswordRequired: () => fail('authenticateUser')(new Error('unexpected NEW_PASSWORD_REQUIRED')),
});
