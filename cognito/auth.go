package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/seal"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// Auth is what the sign-in actions (InitiateAuth, RespondToAuthChallenge, their Admin forms,
// GetTokensFromRefreshToken, RevokeToken) need besides pools and users. The tokens are the
// OIDC provider's: same issuer, keys, claims, families and refresh rules.
type Auth struct {
	// Sessions keeps token families and refresh tokens (session.Tokens applies the rules).
	Sessions session.Store
	// Challenges keeps the Session strings of pending challenges.
	Challenges session.ChallengeStore
	// PublicURL is the server's base URL: a pool's issuer is PublicURL + "/" + pool id, as
	// the provider's.
	PublicURL string
	// Users loads the users tokens are issued for (the store, as for the provider).
	Users token.Users
	// Keys are the pools' signing keys (*keys.Service).
	Keys token.SigningKeys
	// Sealer seals server-side SRP state at rest.
	Sealer *seal.Sealer
	// FakeSaltKey keys the salts of the pretend SRP challenges of unknown users, so that they
	// stay the same across calls and restarts; random per process when empty.
	FakeSaltKey []byte
	// Triggers run the pools' pre token generation triggers; nil runs none.
	Triggers token.TokenTrigger

	once       sync.Once
	tokens     *session.Tokens
	challenges *session.Challenges
	minter     *token.Minter
}

// init builds the domain services on first use.
func (a *Auth) init(now func() time.Time) {
	a.once.Do(func() {
		a.tokens = &session.Tokens{Store: a.Sessions, Now: now}
		a.challenges = &session.Challenges{Store: a.Challenges, Now: now}
		a.minter = &token.Minter{Keys: a.Keys, Triggers: a.Triggers}
		if len(a.FakeSaltKey) == 0 {
			a.FakeSaltKey = make([]byte, 32)
			_, _ = rand.Read(a.FakeSaltKey)
		}
	})
}

// auth returns the configured Auth, or an internal error when sign-in is not wired.
func (h *Handler) auth() (*Auth, error) {
	if h.Auth == nil {
		return nil, errors.New("cognito: sign-in is not configured (Handler.Auth is nil)")
	}
	h.Auth.init(h.now)
	return h.Auth, nil
}

// Auth flows and challenge names.
const (
	flowUserPassword      = "USER_PASSWORD_AUTH"
	flowAdminUserPassword = "ADMIN_USER_PASSWORD_AUTH"
	flowAdminNoSRP        = "ADMIN_NO_SRP_AUTH"
	flowUserSRP           = "USER_SRP_AUTH"
	flowRefreshToken      = "REFRESH_TOKEN_AUTH"
	flowRefreshTokenAlias = "REFRESH_TOKEN"
	flowCustom            = "CUSTOM_AUTH"
	flowUserAuth          = "USER_AUTH"

	challengePasswordVerifier = "PASSWORD_VERIFIER"
	challengeNewPassword      = "NEW_PASSWORD_REQUIRED"

	// accessScope is the scope of every access token of the Cognito API.
	accessScope = token.ScopeCognitoAdmin
	// userAttributesPrefix prefixes attribute names in NEW_PASSWORD_REQUIRED.
	userAttributesPrefix = "userAttributes."
)

var knownFlows = []string{flowUserSRP, flowRefreshTokenAlias, flowRefreshToken, flowCustom, flowAdminNoSRP,
	flowUserPassword, flowAdminUserPassword, flowUserAuth}

// flowAllowed reports whether the client's ExplicitAuthFlows allow flow. Clients with the
// legacy values (no ALLOW_ value) may always use SRP and refresh tokens, as in Cognito.
func flowAllowed(c *pool.Client, flow string) bool {
	has := func(v string) bool { return slices.Contains(c.ExplicitAuthFlows, v) }
	legacy := !slices.ContainsFunc(c.ExplicitAuthFlows, func(f string) bool { return strings.HasPrefix(f, "ALLOW_") })
	switch flow {
	case flowUserPassword:
		return has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH")
	case flowAdminUserPassword, flowAdminNoSRP:
		return has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
	case flowUserSRP:
		return has("ALLOW_USER_SRP_AUTH") || legacy && !has("CUSTOM_AUTH_FLOW_ONLY")
	case flowRefreshToken, flowRefreshTokenAlias:
		return has("ALLOW_REFRESH_TOKEN_AUTH") || legacy
	}
	return false
}

func flowNotEnabled(flow string) error {
	return errs.New(errs.InvalidParameter, "%s flow not enabled for this client", flow)
}

// authenticationResult is Cognito's AuthenticationResultType.
type authenticationResult struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int64  `json:"ExpiresIn"`
	IdToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	TokenType    string `json:"TokenType"`
}

// authOut is the output of InitiateAuth, RespondToAuthChallenge and their Admin forms.
type authOut struct {
	AuthenticationResult *authenticationResult `json:"AuthenticationResult,omitempty"`
	ChallengeName        string                `json:"ChallengeName,omitempty"`
	ChallengeParameters  map[string]string     `json:"ChallengeParameters"`
	Session              string                `json:"Session,omitempty"`
}

type initiateAuthIn struct {
	AuthFlow       string            `required:"true"`
	ClientId       string            `required:"true"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type adminInitiateAuthIn struct {
	UserPoolId string `required:"true"`
	initiateAuthIn
}

type respondIn struct {
	ClientId           string            `required:"true"`
	ChallengeName      string            `required:"true"`
	Session            string            `json:"Session"`
	ChallengeResponses map[string]string `json:"ChallengeResponses"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
}

type adminRespondIn struct {
	UserPoolId string `required:"true"`
	respondIn
}

// signInCtx is one sign-in action's pool and client, and what its triggers are told.
type signInCtx struct {
	a *Auth
	p *pool.Pool
	c *pool.Client
	// meta is the action's ClientMetadata, for the triggers.
	meta map[string]string
	// source is the pre token generation trigger's source of the tokens this action issues
	// ("" = TokenGeneration_Authentication).
	source trigger.Source
}

// caller is who the user service's triggers see as the action's caller. As Cognito documents
// for InitiateAuth, the ClientMetadata is what the pre authentication and user migration
// triggers receive as validationData (and the others as clientMetadata).
func (sc *signInCtx) caller() user.Caller {
	return user.Caller{ClientID: sc.c.ClientId, ValidationData: sc.meta, ClientMetadata: sc.meta}
}

// clientFor finds the app client a public action names, and its pool; with a poolID (the
// Admin forms) the client must be of that pool.
func (h *Handler) clientFor(ctx context.Context, poolID, clientID string) (*signInCtx, error) {
	a, err := h.auth()
	if err != nil {
		return nil, err
	}
	if poolID != "" {
		if _, err := h.Pools.GetPool(ctx, poolID); err != nil {
			return nil, err
		}
	}
	c, err := h.Pools.FindClient(ctx, clientID)
	if errs.Is(err, errs.ResourceNotFound) || err == nil && poolID != "" && c.UserPoolId != poolID {
		return nil, errs.New(errs.ResourceNotFound, "User pool client %s does not exist.", clientID)
	}
	if err != nil {
		return nil, err
	}
	p, err := h.Pools.GetPool(ctx, c.UserPoolId)
	if err != nil {
		return nil, err
	}
	return &signInCtx{a: a, p: p, c: c}, nil
}

func (h *Handler) initiateAuth(ctx context.Context, in *initiateAuthIn) (*authOut, error) {
	return h.initiate(ctx, "", in, false)
}

func (h *Handler) adminInitiateAuth(ctx context.Context, in *adminInitiateAuthIn) (*authOut, error) {
	return h.initiate(ctx, in.UserPoolId, &in.initiateAuthIn, true)
}

func (h *Handler) initiate(ctx context.Context, poolID string, in *initiateAuthIn, admin bool) (*authOut, error) {
	if !slices.Contains(knownFlows, in.AuthFlow) {
		return nil, errs.New(errs.InvalidParameter, "1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			in.AuthFlow, strings.Join(knownFlows, ", "))
	}
	sc, err := h.clientFor(ctx, poolID, in.ClientId)
	if err != nil {
		return nil, err
	}
	sc.meta = in.ClientMetadata
	params := in.AuthParameters
	switch in.AuthFlow {
	case flowUserPassword, flowAdminUserPassword, flowAdminNoSRP:
		if (in.AuthFlow == flowUserPassword) == admin {
			return nil, errs.New(errs.InvalidParameter, "Initiate Auth method not supported.")
		}
		if !flowAllowed(sc.c, in.AuthFlow) {
			return nil, flowNotEnabled(in.AuthFlow)
		}
		return h.passwordAuth(ctx, sc, params)
	case flowUserSRP:
		if !flowAllowed(sc.c, in.AuthFlow) {
			return nil, flowNotEnabled(in.AuthFlow)
		}
		return h.startSRP(ctx, sc, params)
	case flowRefreshToken, flowRefreshTokenAlias:
		if !flowAllowed(sc.c, in.AuthFlow) {
			return nil, flowNotEnabled(in.AuthFlow)
		}
		sc.source = trigger.TokenGenerationRefreshTokens
		res, err := h.refresh(ctx, sc, params["REFRESH_TOKEN"], params["SECRET_HASH"], params["USERNAME"], false)
		if err != nil {
			return nil, err
		}
		return &authOut{AuthenticationResult: res, ChallengeParameters: map[string]string{}}, nil
	}
	return nil, flowNotEnabled(in.AuthFlow)
}

// param returns a required auth parameter or challenge response.
func param(m map[string]string, name string) (string, error) {
	if v := m[name]; v != "" {
		return v, nil
	}
	return "", errs.New(errs.InvalidParameter, "Missing required parameter %s", name)
}

// existenceError applies PreventUserExistenceErrors to a sign-in refusal: with LEGACY an
// unknown user is UserNotFoundException; with ENABLED it stays the wrong-password answer.
func existenceError(c *pool.Client, err error) error {
	if errors.Is(err, user.ErrUnknownUser) && c.PreventUserExistenceErrors == pool.PreventUserExistenceLegacy {
		return errs.New(errs.UserNotFound, "User does not exist.")
	}
	return err
}

// passwordAuth is USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the one password sign-in.
func (h *Handler) passwordAuth(ctx context.Context, sc *signInCtx, params map[string]string) (*authOut, error) {
	username, err := param(params, "USERNAME")
	if err != nil {
		return nil, err
	}
	password, err := param(params, "PASSWORD")
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(sc.c, params["SECRET_HASH"], username); err != nil {
		return nil, err
	}
	res, err := h.Users.SignInFor(ctx, sc.p.Id, username, password, sc.caller())
	if err != nil {
		return nil, existenceError(sc.c, err)
	}
	return h.afterSignIn(ctx, sc, res, username)
}

// afterSignIn answers a successful first factor: the next challenge, or tokens.
func (h *Handler) afterSignIn(ctx context.Context, sc *signInCtx, res *user.SignInResult, typed string) (*authOut, error) {
	u := res.User
	authTime := h.now().UTC()
	if res.Next == user.StepNewPassword {
		attrs := map[string]string{}
		for k, v := range u.Attributes {
			if k != "sub" && !strings.HasPrefix(k, "dev:") {
				attrs[k] = v
			}
		}
		required := []string{}
		for _, name := range user.MissingRequired(sc.p, u) {
			required = append(required, userAttributesPrefix+name)
		}
		attrJSON, _ := json.Marshal(attrs) // maps of strings always encode
		reqJSON, _ := json.Marshal(required)
		sess, err := sc.a.challenges.Start(ctx, &session.Challenge{PoolID: sc.p.Id, ClientID: sc.c.ClientId, Sub: u.Sub,
			Username: u.Username, Typed: typed, Name: challengeNewPassword, AuthTime: authTime}, sessionTTL(sc.c))
		if err != nil {
			return nil, err
		}
		return &authOut{ChallengeName: challengeNewPassword, Session: sess, ChallengeParameters: map[string]string{
			"USER_ID_FOR_SRP": u.Username, "userAttributes": string(attrJSON), "requiredAttributes": string(reqJSON)}}, nil
	}
	return h.secondStep(ctx, sc, u, typed, authTime)
}

// sessionTTL is the client's AuthSessionValidity.
func sessionTTL(c *pool.Client) time.Duration {
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

// issue starts a token family for a completed sign-in (every step passed; amr says how) and
// mints its tokens.
func (h *Handler) issue(ctx context.Context, sc *signInCtx, sub string, authTime time.Time, amr []string) (*authenticationResult, error) {
	tu, err := token.LoadUser(ctx, sc.a.Users, sc.p.Id, sub)
	if err != nil {
		return nil, err
	}
	c := sc.c
	f, refresh, err := sc.a.tokens.Start(ctx, session.Grant{FamilyID: token.NewJTI(), PoolID: sc.p.Id, ClientID: c.ClientId,
		Sub: sub, Scopes: []string{accessScope}, AMR: amr, AuthTime: authTime,
		TokenTTL: max(c.AccessTokenTTL(), c.IDTokenTTL()), RefreshTTL: c.RefreshTokenTTL()})
	if err != nil {
		return nil, err
	}
	res, err := h.mint(ctx, sc, tu, authTime, f.ID, amr)
	if err != nil {
		return nil, err
	}
	res.RefreshToken = refresh
	h.Users.CompleteSignIn(ctx, sc.p.Id, sub, sc.caller())
	return res, nil
}

func (h *Handler) mint(ctx context.Context, sc *signInCtx, tu *token.User, authTime time.Time, familyID string, amr []string) (*authenticationResult, error) {
	m, err := sc.a.minter.Mint(ctx, token.MintInput{Pool: sc.p, Issuer: strings.TrimRight(sc.a.PublicURL, "/") + "/" + sc.p.Id,
		Client: sc.c, User: *tu, Scopes: []string{accessScope}, AuthTime: authTime, IssuedAt: h.now().UTC(), OriginJTI: familyID, AMR: amr,
		Source: sc.source, ClientMetadata: sc.meta})
	if err != nil {
		return nil, err
	}
	return &authenticationResult{AccessToken: m.AccessToken, IdToken: m.IDToken, ExpiresIn: int64(m.ExpiresIn / time.Second),
		TokenType: "Bearer"}, nil
}

// invalidSession is Cognito's answer to an unknown, used or expired Session.
func invalidSession() error {
	return errs.New(errs.NotAuthorized, "Invalid session for the user, session is expired.")
}

func (h *Handler) respondToAuthChallenge(ctx context.Context, in *respondIn) (*authOut, error) {
	return h.respond(ctx, "", in)
}

func (h *Handler) adminRespondToAuthChallenge(ctx context.Context, in *adminRespondIn) (*authOut, error) {
	return h.respond(ctx, in.UserPoolId, &in.respondIn)
}

func (h *Handler) respond(ctx context.Context, poolID string, in *respondIn) (*authOut, error) {
	sc, err := h.clientFor(ctx, poolID, in.ClientId)
	if err != nil {
		return nil, err
	}
	sc.meta = in.ClientMetadata
	r := in.ChallengeResponses
	username, err := param(r, "USERNAME")
	if err != nil {
		return nil, err
	}
	switch {
	case in.ChallengeName == challengePasswordVerifier, in.ChallengeName == challengeNewPassword, isMFAChallenge(in.ChallengeName):
	default:
		return nil, errs.New(errs.InvalidParameter, "Challenge %s is not supported.", in.ChallengeName)
	}
	ch, err := h.takeChallenge(ctx, sc, in.ChallengeName, in.Session)
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(sc.c, r["SECRET_HASH"], username, ch.Username, ch.Sub); err != nil {
		return nil, err
	}
	if !h.sameUser(ctx, sc, ch, username) {
		return nil, invalidSession()
	}
	switch in.ChallengeName {
	case challengePasswordVerifier:
		return h.verifySRP(ctx, sc, ch, r)
	case challengeNewPassword:
		return h.completeNewPassword(ctx, sc, ch, r)
	default:
		return h.answerMFA(ctx, sc, ch, r)
	}
}

// sameUser reports whether USERNAME names the challenge's user: its username, what the
// client first sent, or another identifier of the same user.
func (h *Handler) sameUser(ctx context.Context, sc *signInCtx, ch *session.Challenge, username string) bool {
	if username == ch.Username || username == ch.Typed {
		return true
	}
	if ch.Sub == "" {
		return false
	}
	u, err := h.Users.Get(ctx, sc.p.Id, username)
	return err == nil && u.Sub == ch.Sub
}

// completeNewPassword answers NEW_PASSWORD_REQUIRED. A password or attribute the user can
// correct leaves the Session usable for another try. The second factor comes next.
func (h *Handler) completeNewPassword(ctx context.Context, sc *signInCtx, ch *session.Challenge, r map[string]string) (*authOut, error) {
	var u *user.User
	password, err := param(r, "NEW_PASSWORD")
	if err == nil {
		var attrs []user.Attribute
		for k, v := range r {
			if name, ok := strings.CutPrefix(k, userAttributesPrefix); ok {
				attrs = append(attrs, user.Attribute{Name: name, Value: v})
			}
		}
		slices.SortFunc(attrs, func(a, b user.Attribute) int { return strings.Compare(a.Name, b.Name) })
		u, err = h.Users.CompleteNewPassword(ctx, sc.c, ch.Sub, password, attrs)
	}
	// Tokens issued in this answer follow the new password; a second factor answered later
	// issues them as an ordinary authentication.
	sc.source = trigger.TokenGenerationNewPasswordChallenge
	if err != nil {
		switch errs.CodeOf(err) {
		case errs.InvalidParameter, errs.InvalidPassword, errs.PasswordHistoryViolation:
			if rerr := sc.a.challenges.Restore(ctx, ch); rerr != nil {
				return nil, rerr
			}
		}
		return nil, err
	}
	return h.secondStep(ctx, sc, u, ch.Typed, ch.AuthTime)
}

// fakeSalt is the salt shown for an unknown user: the same for every call with the username,
// unpredictable without the key.
func (a *Auth) fakeSalt(poolID, username string) []byte {
	m := hmac.New(sha256.New, a.FakeSaltKey)
	fmt.Fprintf(m, "srp-fake-salt\x00%s\x00%s", poolID, username)
	return m.Sum(nil)[:16]
}
