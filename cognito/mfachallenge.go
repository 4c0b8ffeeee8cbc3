package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/user"
)

// The second-factor challenges of InitiateAuth and RespondToAuthChallenge (and their Admin
// forms): SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP, the last one
// with AssociateSoftwareToken and VerifySoftwareToken called with the challenge's Session.
// Package mfa holds the attempt (its rules, codes and the 5-code limit); the challenge's
// Session carries the attempt's handle, sealed, in its stored state.

// mfaChallenges are the challenge names of the second factor.
var mfaChallenges = []string{string(mfa.StepTOTP), string(mfa.StepSMS), string(mfa.StepEmail),
	string(mfa.StepSelect), string(mfa.StepSetup)}

func isMFAChallenge(name string) bool {
	for _, n := range mfaChallenges {
		if n == name {
			return true
		}
	}
	return false
}

func mfaSealPurpose(poolID string) string { return "cognito mfa challenge " + poolID }

// secondStep follows a sign-in whose password (and new password) passed: the second-factor
// challenge the user needs, or the tokens.
func (h *Handler) secondStep(ctx context.Context, sc *signInCtx, u *user.User, typed string, authTime time.Time) (*authOut, error) {
	if h.MFA == nil {
		// Without the MFA service, fail closed for a user who needs a second factor.
		if mfa.Decide(sc.p, u).Step != mfa.StepNone {
			return nil, errors.New("cognito: the user needs a second factor, but MFA is not configured (Handler.MFA is nil)")
		}
		return h.signedIn(ctx, sc, u.Sub, authTime, mfa.AMR(""))
	}
	ch, err := h.MFA.Begin(ctx, sc.p.Id, u.Sub)
	if err != nil {
		return nil, err
	}
	if ch.Step == mfa.StepNone {
		return h.signedIn(ctx, sc, u.Sub, authTime, mfa.AMR(""))
	}
	base := &session.Challenge{PoolID: sc.p.Id, ClientID: sc.c.ClientId, Sub: u.Sub, Username: u.Username, Typed: typed, AuthTime: authTime}
	return h.mfaChallenge(ctx, sc, base, ch)
}

// signedIn issues the tokens of a completed sign-in.
func (h *Handler) signedIn(ctx context.Context, sc *signInCtx, sub string, authTime time.Time, amr []string) (*authOut, error) {
	result, err := h.issue(ctx, sc, sub, authTime, amr)
	if err != nil {
		return nil, err
	}
	return &authOut{AuthenticationResult: result, ChallengeParameters: map[string]string{}}, nil
}

// mfaChallenge starts the Session of an MFA step and answers with Cognito's parameters.
func (h *Handler) mfaChallenge(ctx context.Context, sc *signInCtx, base *session.Challenge, ch *mfa.Challenge) (*authOut, error) {
	sess, err := h.startMFASession(ctx, sc.a, base, string(ch.Step), ch.Handle, sessionTTL(sc.c))
	if err != nil {
		return nil, err
	}
	params := map[string]string{"USER_ID_FOR_SRP": base.Username}
	switch ch.Step {
	case mfa.StepSMS, mfa.StepEmail:
		if d := ch.Delivery; d != nil {
			params["CODE_DELIVERY_DELIVERY_MEDIUM"], params["CODE_DELIVERY_DESTINATION"] = d.DeliveryMedium, d.Destination
		}
	case mfa.StepSelect:
		params["MFAS_CAN_CHOOSE"] = factorList(ch.Options)
	case mfa.StepSetup:
		params["MFAS_CAN_SETUP"] = factorList(ch.Options)
	}
	return &authOut{ChallengeName: string(ch.Step), Session: sess, ChallengeParameters: params}, nil
}

func factorList(fs []mfa.Factor) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	b, _ := json.Marshal(names) // a slice of strings always encodes
	return string(b)
}

// startMFASession stores an MFA step under a new Session. The Session names its pool and
// client before the secret part ("pool.client.secret"), because AssociateSoftwareToken and
// VerifySoftwareToken receive it alone; the stored challenge still binds both.
func (h *Handler) startMFASession(ctx context.Context, a *Auth, base *session.Challenge, name, handle string, ttl time.Duration) (string, error) {
	ch := *base
	ch.Name, ch.State = name, a.Sealer.Seal(mfaSealPurpose(base.PoolID), []byte(handle))
	secret, err := a.challenges.Start(ctx, &ch, ttl)
	if err != nil {
		return "", err
	}
	return base.PoolID + "." + base.ClientID + "." + secret, nil
}

// splitMFASession returns the pool, client and secret part of an MFA Session.
func splitMFASession(s string) (poolID, clientID, secret string, ok bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// takeChallenge uses up the Session of a challenge of the sign-in's client.
func (h *Handler) takeChallenge(ctx context.Context, sc *signInCtx, name, sess string) (*session.Challenge, error) {
	if isMFAChallenge(name) {
		poolID, clientID, secret, ok := splitMFASession(sess)
		if !ok || poolID != sc.p.Id || clientID != sc.c.ClientId {
			return nil, invalidSession()
		}
		sess = secret
	}
	ch, err := sc.a.challenges.Take(ctx, sc.p.Id, sc.c.ClientId, name, sess)
	if errors.Is(err, session.ErrSessionExpired) {
		return nil, invalidSession()
	}
	return ch, err
}

// mfaHandle opens the attempt handle a challenge's state holds.
func mfaHandle(sc *signInCtx, ch *session.Challenge) (string, error) {
	b, err := sc.a.Sealer.Open(mfaSealPurpose(sc.p.Id), ch.State)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// retryable reports whether an answer's error leaves the step open for another try: a wrong
// code or a bad answer. The attempt's end (NotAuthorized after too many codes, an expired
// attempt or code) is final.
func retryable(err error) bool {
	switch errs.CodeOf(err) {
	case errs.CodeMismatch, errs.EnableSoftwareTokenMFA, errs.InvalidParameter:
		return true
	}
	return false
}

// keepOpen puts the taken challenge back when err lets the user try again, and returns err.
func keepOpen(ctx context.Context, sc *signInCtx, ch *session.Challenge, err error) error {
	if retryable(err) {
		if rerr := sc.a.challenges.Restore(ctx, ch); rerr != nil {
			return rerr
		}
	}
	return err
}

// codeKeys are the ChallengeResponses that carry each step's code; EMAIL_MFA_CODE is the
// name some of Cognito's documentation uses.
var codeKeys = map[string][]string{
	string(mfa.StepTOTP):  {"SOFTWARE_TOKEN_MFA_CODE"},
	string(mfa.StepSMS):   {"SMS_MFA_CODE"},
	string(mfa.StepEmail): {"EMAIL_OTP_CODE", "EMAIL_MFA_CODE"},
}

// answerMFA answers an MFA challenge taken from its Session. A wrong code is
// CodeMismatchException and keeps the Session usable, up to mfa.MaxFailures codes.
func (h *Handler) answerMFA(ctx context.Context, sc *signInCtx, ch *session.Challenge, r map[string]string) (*authOut, error) {
	m, err := h.mfa()
	if err != nil {
		return nil, err
	}
	handle, err := mfaHandle(sc, ch)
	if err != nil {
		return nil, err
	}
	var res *mfa.Result
	switch ch.Name {
	case string(mfa.StepSelect):
		answer, err := param(r, "ANSWER")
		if err != nil {
			return nil, keepOpen(ctx, sc, ch, err)
		}
		next, err := m.Select(ctx, sc.p.Id, handle, answer)
		if err != nil {
			return nil, keepOpen(ctx, sc, ch, err)
		}
		return h.mfaChallenge(ctx, sc, ch, next)
	case string(mfa.StepSetup):
		res, err = m.Finish(ctx, sc.p.Id, handle)
	default:
		code := ""
		for _, k := range codeKeys[ch.Name] {
			if code == "" {
				code = r[k]
			}
		}
		if code == "" {
			return nil, keepOpen(ctx, sc, ch, errs.New(errs.InvalidParameter, "Missing required parameter %s", codeKeys[ch.Name][0]))
		}
		res, err = m.Answer(ctx, sc.p.Id, handle, code)
	}
	if err != nil {
		return nil, keepOpen(ctx, sc, ch, err)
	}
	return h.signedIn(ctx, sc, ch.Sub, ch.AuthTime, res.AMR)
}

// setupSession takes the MFA_SETUP challenge of a Session given to AssociateSoftwareToken or
// VerifySoftwareToken, with its sign-in context and attempt handle.
func (h *Handler) setupSession(ctx context.Context, sess string) (*signInCtx, *session.Challenge, string, error) {
	poolID, clientID, _, ok := splitMFASession(sess)
	if !ok {
		return nil, nil, "", invalidSession()
	}
	sc, err := h.clientFor(ctx, poolID, clientID)
	if errs.Is(err, errs.ResourceNotFound) {
		return nil, nil, "", invalidSession()
	}
	if err != nil {
		return nil, nil, "", err
	}
	ch, err := h.takeChallenge(ctx, sc, string(mfa.StepSetup), sess)
	if err != nil {
		return nil, nil, "", err
	}
	handle, err := mfaHandle(sc, ch)
	if err != nil {
		return nil, nil, "", err
	}
	return sc, ch, handle, nil
}

// associateWithSession is AssociateSoftwareToken during MFA_SETUP: a secret for the user
// signing in, and a new Session for VerifySoftwareToken.
func (h *Handler) associateWithSession(ctx context.Context, m *mfa.Service, sess string) (*associateSoftwareTokenOut, error) {
	sc, ch, handle, err := h.setupSession(ctx, sess)
	if err != nil {
		return nil, err
	}
	en, err := m.SetupSecret(ctx, sc.p.Id, handle)
	if err != nil {
		return nil, keepOpen(ctx, sc, ch, err)
	}
	next, err := h.startMFASession(ctx, sc.a, ch, ch.Name, handle, sessionTTL(sc.c))
	if err != nil {
		return nil, err
	}
	return &associateSoftwareTokenOut{SecretCode: en.Secret, SecretURI: en.URI, Session: next}, nil
}

// verifyWithSession is VerifySoftwareToken during MFA_SETUP: the first code of the new
// authenticator, and a new Session for RespondToAuthChallenge MFA_SETUP. A wrong code keeps
// the Session usable.
func (h *Handler) verifyWithSession(ctx context.Context, m *mfa.Service, sess, code string) (*verifySoftwareTokenOut, error) {
	sc, ch, handle, err := h.setupSession(ctx, sess)
	if err != nil {
		return nil, err
	}
	enrolled, err := m.SetupVerify(ctx, sc.p.Id, handle, code)
	if err != nil {
		return nil, keepOpen(ctx, sc, ch, err)
	}
	next, err := h.startMFASession(ctx, sc.a, ch, ch.Name, handle, sessionTTL(sc.c))
	if err != nil {
		return nil, err
	}
	return &verifySoftwareTokenOut{Status: "SUCCESS", Session: next, RecoveryCodes: enrolled.RecoveryCodes}, nil
}
