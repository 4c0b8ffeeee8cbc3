package cognito

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/token"
	"github.com/userpool/userpool/user"
)

// signedIn is the user an AccessToken-authorised action acts for.
type signedIn struct {
	pool   *pool.Pool
	client *pool.Client
	user   *user.User
}

func invalidAccessToken(cause error) error {
	return errs.Wrap(errs.NotAuthorized, cause, "Invalid Access Token")
}

// signedInUser checks an AccessToken as Cognito does for the self-service actions: a token
// of this server (signature by the pool's keys, issuer, expiry, token_use access) carrying
// the scope aws.cognito.signin.user.admin, whose sign-in (origin_jti family) was not revoked
// (GlobalSignOut, RevokeToken, a disabled user), issued to an existing client for an existing,
// enabled user. The same checks guard /oauth2/userInfo, so a signed-out token fails on both.
func (h *Handler) signedInUser(ctx context.Context, raw string) (*signedIn, error) {
	a, err := h.auth()
	if err != nil {
		return nil, err
	}
	// The pool is the one the issuer names; the signature check below proves it.
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{keys.RS256, keys.ES256})
	if err != nil {
		return nil, invalidAccessToken(err)
	}
	var unverified struct {
		Issuer string `json:"iss"`
	}
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, invalidAccessToken(err)
	}
	base := strings.TrimRight(a.PublicURL, "/") + "/"
	poolID, ok := strings.CutPrefix(unverified.Issuer, base)
	if !ok || poolID == "" || strings.Contains(poolID, "/") {
		return nil, invalidAccessToken(fmt.Errorf("issuer %q is not one of this server's", unverified.Issuer))
	}
	p, err := h.Pools.GetPool(ctx, poolID)
	if errs.Is(err, errs.ResourceNotFound) {
		return nil, invalidAccessToken(err)
	}
	if err != nil {
		return nil, err
	}
	// Auth.Keys is *keys.Service, which also publishes the public keys.
	keySet, ok := a.Keys.(token.KeySet)
	if !ok {
		return nil, errors.New("cognito: the signing keys cannot verify tokens (no PublicKey method)")
	}
	v := &token.Verifier{Keys: keySet, Now: h.now}
	claims, err := v.Verify(ctx, p.Id, base+p.Id, raw, token.UseAccess)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(claims.Scopes(), token.ScopeCognitoAdmin) {
		return nil, errs.New(errs.NotAuthorized, "Access Token does not have required scopes")
	}
	origin, sub := claims.String("origin_jti"), claims.String("sub")
	if origin == "" || sub == "" || claims.String("username") == "" {
		return nil, invalidAccessToken(errors.New("the access token has no user"))
	}
	f, err := a.Sessions.GetFamily(ctx, p.Id, origin)
	if errors.Is(err, session.ErrNotFound) || err == nil && (f.RevokedAt != nil || f.Sub != sub) {
		return nil, errs.New(errs.NotAuthorized, "Access Token has been revoked")
	}
	if err != nil {
		return nil, fmt.Errorf("check access token: %w", err)
	}
	c, err := h.Pools.GetClient(ctx, p.Id, claims.String("client_id"))
	if errs.Is(err, errs.ResourceNotFound) {
		return nil, invalidAccessToken(err)
	}
	if err != nil {
		return nil, err
	}
	u, err := h.Users.GetBySub(ctx, p.Id, sub)
	if err != nil {
		return nil, err // UserNotFoundException "User does not exist.", as Cognito
	}
	if !u.Enabled {
		return nil, errs.New(errs.NotAuthorized, "User is disabled.")
	}
	return &signedIn{pool: p, client: c, user: u}, nil
}

type accessTokenIn struct {
	AccessToken string `required:"true"`
}

type getUserOut struct {
	Username            string           `json:"Username"`
	UserAttributes      []user.Attribute `json:"UserAttributes"`
	PreferredMfaSetting string           `json:"PreferredMfaSetting,omitempty"`
	UserMFASettingList  []string         `json:"UserMFASettingList,omitempty"`
}

// getUser is GetUser: the attributes the client may read (all when it lists none; sub always).
func (h *Handler) getUser(ctx context.Context, in *accessTokenIn) (*getUserOut, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	var only []string
	if len(si.client.ReadAttributes) > 0 {
		only = append(slices.Clone(si.client.ReadAttributes), "sub")
	}
	return &getUserOut{
		Username:            si.user.Username,
		UserAttributes:      attributesOf(si.user, only),
		PreferredMfaSetting: si.user.MFA.PreferredMfa,
		UserMFASettingList:  si.user.MFA.Enabled,
	}, nil
}

type updateUserAttributesIn struct {
	AccessToken    string           `required:"true"`
	UserAttributes []user.Attribute `required:"true"`
}

type updateUserAttributesOut struct {
	CodeDeliveryDetailsList []*user.CodeDelivery `json:"CodeDeliveryDetailsList,omitempty"`
}

func (h *Handler) updateUserAttributes(ctx context.Context, in *updateUserAttributesIn) (*updateUserAttributesOut, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	ds, err := h.Users.UpdateAttributes(ctx, si.client, si.user.Sub, in.UserAttributes)
	if err != nil {
		return nil, err
	}
	return &updateUserAttributesOut{CodeDeliveryDetailsList: ds}, nil
}

type deleteUserAttributesIn struct {
	AccessToken        string   `required:"true"`
	UserAttributeNames []string `required:"true"`
}

func (h *Handler) deleteUserAttributes(ctx context.Context, in *deleteUserAttributesIn) (*empty, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.Users.DeleteAttributes(ctx, si.client, si.user.Sub, in.UserAttributeNames)
}

type attributeCodeIn struct {
	AccessToken   string `required:"true"`
	AttributeName string `required:"true"`
}

type codeDeliveryOut struct {
	CodeDeliveryDetails *user.CodeDelivery `json:"CodeDeliveryDetails,omitempty"`
}

func (h *Handler) getUserAttributeVerificationCode(ctx context.Context, in *attributeCodeIn) (*codeDeliveryOut, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	d, err := h.Users.SendAttributeCode(ctx, si.client, si.user.Sub, in.AttributeName)
	if err != nil {
		return nil, err
	}
	return &codeDeliveryOut{CodeDeliveryDetails: d}, nil
}

type verifyUserAttributeIn struct {
	AccessToken   string `required:"true"`
	AttributeName string `required:"true"`
	Code          string `required:"true"`
}

func (h *Handler) verifyUserAttribute(ctx context.Context, in *verifyUserAttributeIn) (*empty, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.Users.VerifyAttribute(ctx, si.pool.Id, si.user.Sub, in.AttributeName, in.Code)
}

type changePasswordIn struct {
	AccessToken      string `required:"true"`
	PreviousPassword string `required:"true"`
	ProposedPassword string `required:"true"`
}

func (h *Handler) changePassword(ctx context.Context, in *changePasswordIn) (*empty, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.Users.ChangePassword(ctx, si.pool.Id, si.user.Sub, in.PreviousPassword, in.ProposedPassword)
}

// globalSignOut is GlobalSignOut: every token family of the user is revoked, so their refresh
// tokens stop working and their access tokens are refused here and at /oauth2/userInfo.
// (ID and access tokens stay valid offline until they expire, as in Cognito.)
func (h *Handler) globalSignOut(ctx context.Context, in *accessTokenIn) (*empty, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.revokeUserTokens(ctx, si.pool.Id, si.user.Sub)
}

func (h *Handler) revokeUserTokens(ctx context.Context, poolID, sub string) error {
	a, err := h.auth()
	if err != nil {
		return err
	}
	if err := a.Sessions.RevokeUserTokens(ctx, poolID, sub, h.now()); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// adminUserGlobalSignOut is AdminUserGlobalSignOut: GlobalSignOut for an administrator.
func (h *Handler) adminUserGlobalSignOut(ctx context.Context, in *usernameIn) (*empty, error) {
	u, err := h.Users.Get(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.revokeUserTokens(ctx, in.UserPoolId, u.Sub)
}

// deleteUser is DeleteUser: the signed-in user deletes themselves (and their tokens with them).
func (h *Handler) deleteUser(ctx context.Context, in *accessTokenIn) (*empty, error) {
	si, err := h.signedInUser(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.Users.DeleteSelf(ctx, si.pool.Id, si.user.Sub)
}
