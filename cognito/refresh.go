package cognito

import (
	"context"
	"crypto/subtle"
	"errors"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
)

// refresh redeems a refresh token under the shared rules (session.Tokens): new ID and access
// tokens of the same family, and a new refresh token only when rotate is set (the client's
// RefreshTokenRotation, through GetTokensFromRefreshToken). secretHash and username are
// REFRESH_TOKEN_AUTH's SECRET_HASH and USERNAME; "" when the client secret was checked.
func (h *Handler) refresh(ctx context.Context, sc *signInCtx, plain, secretHash, username string, rotate bool) (*authenticationResult, error) {
	invalid := errs.New(errs.NotAuthorized, "Invalid Refresh Token")
	if plain == "" {
		return nil, errs.New(errs.InvalidParameter, "Missing required parameter REFRESH_TOKEN")
	}
	rt, err := sc.a.tokens.Check(ctx, sc.p.Id, sc.c.ClientId, plain, sc.c.RefreshRetryGrace())
	if errors.Is(err, session.ErrRefreshTokenReused) {
		return nil, errs.Wrap(errs.RefreshTokenReuse, err, "Refresh token has been reused.")
	}
	if errors.Is(err, session.ErrInvalidRefreshToken) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	tu, err := token.LoadUser(ctx, sc.a.Users, sc.p.Id, rt.Sub)
	if errs.Is(err, errs.UserNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if !rotate {
		// REFRESH_TOKEN_AUTH carries SECRET_HASH, of the username or the sub.
		if err := checkSecretHash(sc.c, secretHash, username, tu.Username, tu.Sub); err != nil {
			return nil, err
		}
	}
	res, err := h.mint(ctx, sc, tu, rt.AuthTime, rt.FamilyID, rt.AMR)
	if err != nil {
		return nil, err
	}
	if rotate {
		if res.RefreshToken, err = sc.a.tokens.Rotate(ctx, rt); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// checkClientSecret checks the raw ClientSecret that GetTokensFromRefreshToken and RevokeToken
// take instead of a SECRET_HASH; code is the action's error (RevokeToken has no
// NotAuthorizedException in its model, only UnauthorizedException).
func checkClientSecret(c *pool.Client, given string, code errs.Code) error {
	if c.ClientSecret == "" {
		return nil
	}
	if given == "" {
		return errs.New(code, "Client %s is configured with secret but ClientSecret was not received", c.ClientId)
	}
	if subtle.ConstantTimeCompare([]byte(c.ClientSecret), []byte(given)) != 1 {
		return errs.New(code, "Unable to verify secret for client %s", c.ClientId)
	}
	return nil
}

type getTokensFromRefreshTokenIn struct {
	RefreshToken   string            `required:"true"`
	ClientId       string            `required:"true"`
	ClientSecret   string            `json:"ClientSecret"`
	DeviceKey      string            `json:"DeviceKey"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type getTokensFromRefreshTokenOut struct {
	AuthenticationResult *authenticationResult `json:"AuthenticationResult"`
}

// getTokensFromRefreshToken refreshes with the client's rotation: a rotating client gets a new
// refresh token each time, and a token rotated out longer ago than its grace period is a
// reuse (RefreshTokenReuseException) that revokes the family.
func (h *Handler) getTokensFromRefreshToken(ctx context.Context, in *getTokensFromRefreshTokenIn) (*getTokensFromRefreshTokenOut, error) {
	sc, err := h.clientFor(ctx, "", in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := checkClientSecret(sc.c, in.ClientSecret, errs.NotAuthorized); err != nil {
		return nil, err
	}
	if !flowAllowed(sc.c, flowRefreshToken) {
		return nil, flowNotEnabled(flowRefreshToken)
	}
	res, err := h.refresh(ctx, sc, in.RefreshToken, "", "", sc.c.RotatesRefreshTokens())
	if err != nil {
		return nil, err
	}
	return &getTokensFromRefreshTokenOut{AuthenticationResult: res}, nil
}

type revokeTokenIn struct {
	Token        string `required:"true"`
	ClientId     string `required:"true"`
	ClientSecret string `json:"ClientSecret"`
}

// revokeToken revokes a refresh token and its family: the refresh token stops working and the
// access tokens issued from it are refused here and at userInfo.
func (h *Handler) revokeToken(ctx context.Context, in *revokeTokenIn) (*empty, error) {
	sc, err := h.clientFor(ctx, "", in.ClientId)
	if err != nil {
		return nil, err
	}
	if err := checkClientSecret(sc.c, in.ClientSecret, errs.Unauthorized); err != nil {
		return nil, err
	}
	if !sc.c.EnableTokenRevocation {
		return nil, errs.New(errs.UnsupportedOperation, "Token revocation is not enabled for this app client.")
	}
	err = sc.a.tokens.Revoke(ctx, sc.p.Id, sc.c.ClientId, session.HashSecret(in.Token))
	if errors.Is(err, session.ErrWrongClient) {
		return nil, errs.New(errs.Unauthorized, "The token was not issued to this client.")
	}
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}
