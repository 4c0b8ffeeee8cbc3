package provider

import (
	"errors"
	"log/slog"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/session"
)

// oauthError maps an error of our domain or store to the OAuth error a client gets. Only the
// description of the returned error reaches the client; the cause stays its parent (logged,
// never sent). Unknown errors are server_error with a generic description, so that no
// internal message is ever echoed (op would echo a plain error's text).
func oauthError(err error) *oidc.Error {
	var oe *oidc.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &oe):
		return oe
	case errors.Is(err, session.ErrNotFound), errors.Is(err, session.ErrCodeUsed), errors.Is(err, session.ErrConflict):
		return oidc.ErrInvalidGrant().WithParent(err)
	case errs.Is(err, errs.ResourceNotFound):
		return oidc.ErrInvalidClient().WithDescription("unknown client").WithParent(err)
	case errs.Is(err, errs.UserNotFound), errs.Is(err, errs.NotAuthorized):
		return oidc.ErrInvalidGrant().WithDescription("the user cannot sign in").WithParent(err)
	case errs.Is(err, errs.InvalidParameter):
		return oidc.ErrInvalidRequest().WithParent(err)
	case errs.Is(err, errs.UserLambdaValidation):
		// The pre token generation trigger refused: its message is meant for the user.
		e, _ := errs.As(err)
		return oidc.ErrInvalidRequest().WithDescription("%s", e.Message).WithParent(err)
	case errs.Is(err, errs.UnexpectedLambda), errs.Is(err, errs.InvalidLambdaResponse):
		e, _ := errs.As(err)
		return oidc.ErrServerError().WithDescription("%s", e.Message).WithParent(err)
	}
	slog.Error("oidc provider error", "err", err)
	return oidc.ErrServerError().WithDescription("internal error").WithParent(err)
}
