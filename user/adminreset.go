package user

import (
	"context"
	"slices"

	"github.com/userpool/userpool/errs"
)

// AdminResetPassword is Cognito's AdminResetUserPassword: the user's password stops working
// (the status becomes RESET_REQUIRED, and a sign-in answers PasswordResetRequired) and a reset
// code goes to the first verified email or phone number of the pool's account recovery
// setting; ConfirmForgotPassword with that code sets a new password. Only users who have a
// password of their own (CONFIRMED, or RESET_REQUIRED again) can be reset: a temporary
// password is replaced with AdminSetPassword instead.
func (s *Service) AdminResetPassword(ctx context.Context, poolID, username string) (*CodeDelivery, error) {
	p, u, err := s.poolAndUser(ctx, poolID, username)
	if err != nil {
		return nil, err
	}
	switch {
	case !u.Enabled:
		return nil, errs.New(errs.NotAuthorized, "User is disabled.")
	case u.Status != StatusConfirmed && u.Status != StatusResetRequired:
		return nil, errs.New(errs.NotAuthorized, "User password cannot be reset in the current state.")
	}
	if slices.Equal(recoveryOrder(p), []string{recoverByAdmin}) {
		// The code would go nowhere the user can use: the pool's users cannot recover themselves.
		return nil, errs.New(errs.InvalidParameter, "The user pool's account recovery is admin_only: set a temporary password instead (AdminSetUserPassword).")
	}
	ch, err := recoveryChannel(p, u)
	if err != nil {
		return nil, err
	}
	// The code goes first: should the status change fail, the user only holds a code, as after
	// ForgotPassword, and the old password still works.
	d, err := s.SendCode(ctx, p.Id, u.Sub, PurposeResetPassword, ch)
	if err != nil {
		return nil, err
	}
	u.Status = StatusResetRequired
	if err := s.update(ctx, u, "admin reset password"); err != nil {
		return nil, err
	}
	return d, nil
}
