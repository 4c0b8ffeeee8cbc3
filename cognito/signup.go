package cognito

import (
	"context"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

// The ClientId-identified self-service actions: SignUp, ConfirmSignUp, ResendConfirmationCode,
// ForgotPassword, ConfirmForgotPassword. The rules (and PreventUserExistenceErrors) are the
// user package's; here the client is found and its SECRET_HASH checked.

// appClient finds the app client a public action names, and checks the SecretHash the request
// carries for username when the client has a secret.
func (h *Handler) appClient(ctx context.Context, clientID, secretHash, username string) (*pool.Client, error) {
	c, err := h.Pools.FindClient(ctx, clientID)
	if errs.Is(err, errs.ResourceNotFound) {
		return nil, errs.New(errs.ResourceNotFound, "User pool client %s does not exist.", clientID)
	}
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, secretHash, username); err != nil {
		return nil, err
	}
	return c, nil
}

type signUpIn struct {
	ClientId       string `required:"true"`
	Username       string `required:"true"`
	Password       string
	SecretHash     string
	UserAttributes []user.Attribute
	ValidationData []user.Attribute
	ClientMetadata map[string]string
}

type signUpOut struct {
	UserConfirmed       bool               `json:"UserConfirmed"`
	UserSub             string             `json:"UserSub"`
	CodeDeliveryDetails *user.CodeDelivery `json:"CodeDeliveryDetails,omitempty"`
}

func (h *Handler) signUp(ctx context.Context, in *signUpIn) (*signUpOut, error) {
	c, err := h.appClient(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	res, err := h.Users.SignUp(ctx, c, user.SignUpInput{Username: in.Username, Password: in.Password, Attributes: in.UserAttributes,
		ValidationData: attributeMap(in.ValidationData), ClientMetadata: in.ClientMetadata})
	if err != nil {
		return nil, err
	}
	return &signUpOut{UserConfirmed: res.Confirmed, UserSub: res.User.Sub, CodeDeliveryDetails: res.Delivery}, nil
}

type confirmSignUpIn struct {
	ClientId           string `required:"true"`
	Username           string `required:"true"`
	ConfirmationCode   string `required:"true"`
	SecretHash         string
	ForceAliasCreation bool
}

func (h *Handler) confirmSignUp(ctx context.Context, in *confirmSignUpIn) (*empty, error) {
	c, err := h.appClient(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	if _, err := h.Users.ConfirmSignUp(ctx, c, in.Username, in.ConfirmationCode, in.ForceAliasCreation); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type clientUsernameIn struct {
	ClientId       string `required:"true"`
	Username       string `required:"true"`
	SecretHash     string
	ClientMetadata map[string]string
}

func (h *Handler) resendConfirmationCode(ctx context.Context, in *clientUsernameIn) (*codeDeliveryOut, error) {
	c, err := h.appClient(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	d, err := h.Users.ResendConfirmationCode(ctx, c, in.Username)
	if err != nil {
		return nil, err
	}
	return &codeDeliveryOut{CodeDeliveryDetails: d}, nil
}

func (h *Handler) forgotPassword(ctx context.Context, in *clientUsernameIn) (*codeDeliveryOut, error) {
	c, err := h.appClient(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	d, err := h.Users.ForgotPasswordFor(ctx, c, in.Username, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	return &codeDeliveryOut{CodeDeliveryDetails: d}, nil
}

type confirmForgotPasswordIn struct {
	ClientId         string `required:"true"`
	Username         string `required:"true"`
	ConfirmationCode string `required:"true"`
	Password         string `required:"true"`
	SecretHash       string
}

func (h *Handler) confirmForgotPassword(ctx context.Context, in *confirmForgotPasswordIn) (*empty, error) {
	c, err := h.appClient(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.Users.ConfirmForgotPassword(ctx, c, in.Username, in.ConfirmationCode, in.Password)
}
