package cognito

import "context"

type adminResetUserPasswordIn struct {
	UserPoolId string `required:"true"`
	Username   string `required:"true"`
	// ClientMetadata is accepted for compatibility; the custom message trigger does not see it.
	ClientMetadata map[string]string
}

// adminResetUserPassword is AdminResetUserPassword: the user must reset their password with the
// code sent to them (ConfirmForgotPassword) before signing in again.
func (h *Handler) adminResetUserPassword(ctx context.Context, in *adminResetUserPasswordIn) (*empty, error) {
	_, err := h.Users.AdminResetPassword(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}
