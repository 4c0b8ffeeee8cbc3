package cognito

import (
	"context"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/user"
)

type adminCreateUserIn struct {
	UserPoolId             string `required:"true"`
	Username               string `required:"true"`
	UserAttributes         []user.Attribute
	TemporaryPassword      string
	ForceAliasCreation     bool
	MessageAction          string
	DesiredDeliveryMediums []string
	ValidationData         []user.Attribute
	ClientMetadata         map[string]string
}

type adminCreateUserOut struct {
	User userType `json:"User"`
}

func (h *Handler) adminCreateUser(ctx context.Context, in *adminCreateUserIn) (*adminCreateUserOut, error) {
	u, _, err := h.Users.AdminCreateUser(ctx, in.UserPoolId, user.AdminCreateUserInput{
		Username:           in.Username,
		Attributes:         in.UserAttributes,
		TemporaryPassword:  in.TemporaryPassword,
		ForceAliasCreation: in.ForceAliasCreation,
		MessageAction:      in.MessageAction,
		DeliveryMediums:    in.DesiredDeliveryMediums,
		Caller:             user.Caller{ValidationData: attributeMap(in.ValidationData), ClientMetadata: in.ClientMetadata},
	})
	if e, ok := errs.As(err); ok && e.Code == errs.AliasExists {
		// Cognito's AdminCreateUser reports a taken alias as UsernameExistsException (its
		// model has no AliasExistsException there, so SDKs would not recognise that type).
		return nil, &errs.Error{Code: errs.UsernameExists, Message: e.Message, Err: err}
	}
	if err != nil {
		return nil, err
	}
	return &adminCreateUserOut{User: toUserType(u, nil)}, nil
}

type usernameIn struct {
	UserPoolId string `required:"true"`
	Username   string `required:"true"`
}

type adminGetUserOut struct {
	Username             string           `json:"Username"`
	UserAttributes       []user.Attribute `json:"UserAttributes"`
	UserCreateDate       epoch            `json:"UserCreateDate"`
	UserLastModifiedDate epoch            `json:"UserLastModifiedDate"`
	Enabled              bool             `json:"Enabled"`
	UserStatus           user.Status      `json:"UserStatus"`
	PreferredMfaSetting  string           `json:"PreferredMfaSetting,omitempty"`
	UserMFASettingList   []string         `json:"UserMFASettingList,omitempty"`
}

func (h *Handler) adminGetUser(ctx context.Context, in *usernameIn) (*adminGetUserOut, error) {
	u, err := h.Users.Get(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return &adminGetUserOut{
		Username:             u.Username,
		UserAttributes:       attributesOf(u, nil),
		UserCreateDate:       epoch(u.CreatedAt),
		UserLastModifiedDate: epoch(u.UpdatedAt),
		Enabled:              u.Enabled,
		UserStatus:           u.Status,
		PreferredMfaSetting:  u.MFA.PreferredMfa,
		UserMFASettingList:   u.MFA.Enabled,
	}, nil
}

type listUsersIn struct {
	UserPoolId      string `required:"true"`
	AttributesToGet []string
	Filter          string
	Limit           int
	PaginationToken *string
}

type listUsersOut struct {
	Users           []userType `json:"Users"`
	PaginationToken *string    `json:"PaginationToken,omitempty"`
}

func (h *Handler) listUsers(ctx context.Context, in *listUsersIn) (*listUsersOut, error) {
	users, next, err := h.Users.List(ctx, in.UserPoolId, in.Filter, pool.Page{After: str(in.PaginationToken), Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	return &listUsersOut{Users: toUserTypes(users, in.AttributesToGet), PaginationToken: pageToken(next)}, nil
}

func (h *Handler) adminDeleteUser(ctx context.Context, in *usernameIn) (*empty, error) {
	return &empty{}, h.Users.AdminDeleteUser(ctx, in.UserPoolId, in.Username)
}

func (h *Handler) adminEnableUser(ctx context.Context, in *usernameIn) (*empty, error) {
	return &empty{}, h.Users.SetEnabled(ctx, in.UserPoolId, in.Username, true)
}

func (h *Handler) adminDisableUser(ctx context.Context, in *usernameIn) (*empty, error) {
	return &empty{}, h.Users.SetEnabled(ctx, in.UserPoolId, in.Username, false)
}

func (h *Handler) adminConfirmSignUp(ctx context.Context, in *usernameIn) (*empty, error) {
	return &empty{}, h.Users.AdminConfirmSignUp(ctx, in.UserPoolId, in.Username)
}

type adminUpdateUserAttributesIn struct {
	UserPoolId     string           `required:"true"`
	Username       string           `required:"true"`
	UserAttributes []user.Attribute `required:"true"`
}

func (h *Handler) adminUpdateUserAttributes(ctx context.Context, in *adminUpdateUserAttributesIn) (*empty, error) {
	return &empty{}, h.Users.AdminUpdateAttributes(ctx, in.UserPoolId, in.Username, in.UserAttributes)
}

type adminDeleteUserAttributesIn struct {
	UserPoolId         string   `required:"true"`
	Username           string   `required:"true"`
	UserAttributeNames []string `required:"true"`
}

func (h *Handler) adminDeleteUserAttributes(ctx context.Context, in *adminDeleteUserAttributesIn) (*empty, error) {
	return &empty{}, h.Users.AdminDeleteAttributes(ctx, in.UserPoolId, in.Username, in.UserAttributeNames)
}

type adminSetUserPasswordIn struct {
	UserPoolId string `required:"true"`
	Username   string `required:"true"`
	Password   string `required:"true"`
	Permanent  bool
}

func (h *Handler) adminSetUserPassword(ctx context.Context, in *adminSetUserPasswordIn) (*empty, error) {
	return &empty{}, h.Users.AdminSetPassword(ctx, in.UserPoolId, in.Username, in.Password, in.Permanent)
}
