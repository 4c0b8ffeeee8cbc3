package cognito

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/srp"
	"github.com/userpool/userpool/user"
)

// srpSealPurpose binds sealed SRP state to its use.
func srpSealPurpose(poolID string) string { return "srp-session/" + poolID }

// startSRP is USER_SRP_AUTH: it answers SRP_A with the PASSWORD_VERIFIER challenge. An unknown
// user (with PreventUserExistenceErrors) or a user without a verifier gets a challenge that
// looks the same — a stable salt, a fresh B — and fails at the proof like a wrong password.
func (h *Handler) startSRP(ctx context.Context, sc *signInCtx, params map[string]string) (*authOut, error) {
	username, err := param(params, "USERNAME")
	if err != nil {
		return nil, err
	}
	srpA, err := param(params, "SRP_A")
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(sc.c, params["SECRET_HASH"], username); err != nil {
		return nil, err
	}
	u, err := h.Users.SRPUserFor(ctx, sc.p.Id, username, sc.caller())
	if err != nil {
		if !errors.Is(err, user.ErrUnknownUser) {
			return nil, err
		}
		if e := existenceError(sc.c, err); errs.Is(e, errs.UserNotFound) {
			return nil, e
		}
		u = nil
	}
	ch := &session.Challenge{PoolID: sc.p.Id, ClientID: sc.c.ClientId, Typed: username, Name: challengePasswordVerifier,
		AuthTime: h.now().UTC()}
	var salt, verifier []byte
	if u != nil && len(u.SRPVerifier) > 0 {
		salt, verifier = u.SRPSalt, u.SRPVerifier
		ch.Sub, ch.Username = u.Sub, u.Username
	} else {
		if u != nil {
			slog.InfoContext(ctx, "srp sign-in of a user without a verifier; they must sign in with a password once", "pool", sc.p.Id, "sub", u.Sub)
			ch.Username = u.Username
		} else {
			ch.Username = username
		}
		// The pretend verifier is random: no password matches it.
		salt = sc.a.fakeSalt(sc.p.Id, username)
		verifier = sc.a.fakeSalt(sc.p.Id, "verifier\x00"+username+string(salt))
	}
	s, err := srp.Start(salt, verifier, srpA)
	if err != nil {
		return nil, errs.New(errs.InvalidParameter, "SRP_A is not a valid SRP value.")
	}
	state, err := s.MarshalBinary()
	if err != nil {
		return nil, err
	}
	ch.State = sc.a.Sealer.Seal(srpSealPurpose(sc.p.Id), state)
	sess, err := sc.a.challenges.Start(ctx, ch, sessionTTL(sc.c))
	if err != nil {
		return nil, err
	}
	return &authOut{ChallengeName: challengePasswordVerifier, Session: sess, ChallengeParameters: map[string]string{
		"SALT": s.Salt(), "SRP_B": s.B(), "SECRET_BLOCK": s.SecretBlock(), "USER_ID_FOR_SRP": ch.Username, "USERNAME": ch.Username,
	}}, nil
}

// verifySRP answers PASSWORD_VERIFIER: the client's proof under SignIn's lockout rules.
func (h *Handler) verifySRP(ctx context.Context, sc *signInCtx, ch *session.Challenge, r map[string]string) (*authOut, error) {
	sig, err := param(r, "PASSWORD_CLAIM_SIGNATURE")
	if err != nil {
		return nil, err
	}
	block, err := param(r, "PASSWORD_CLAIM_SECRET_BLOCK")
	if err != nil {
		return nil, err
	}
	stamp, err := param(r, "TIMESTAMP")
	if err != nil {
		return nil, err
	}
	ts, err := srp.ParseTimestamp(stamp)
	if err != nil {
		return nil, errs.New(errs.InvalidParameter, "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	if ch.Sub == "" {
		// The pretend challenge of an unknown user: the wrong-password answer.
		return nil, existenceError(sc.c, errs.Wrap(errs.NotAuthorized, user.ErrUnknownUser, "Incorrect username or password."))
	}
	state, err := sc.a.Sealer.Open(srpSealPurpose(sc.p.Id), ch.State)
	if err != nil {
		return nil, err
	}
	var s srp.Session
	if err := s.UnmarshalBinary(state); err != nil {
		return nil, err
	}
	// The signature binds the client's clock; a proof signed far from now is refused like a
	// wrong one (the Session's own expiry bounds replays further).
	ok := s.Verify(srp.PoolName(sc.p.Id), ch.Username, block, stamp, sig) == nil && absDuration(h.now().Sub(ts)) <= maxClockSkew
	res, err := h.Users.FinishSRP(ctx, sc.p.Id, ch.Sub, ok)
	if err != nil {
		return nil, err
	}
	return h.afterSignIn(ctx, sc, res, ch.Typed)
}

// maxClockSkew is how far a PASSWORD_VERIFIER TIMESTAMP may be from the server's clock.
const maxClockSkew = 15 * time.Minute

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
