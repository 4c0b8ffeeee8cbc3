package cognito

import (
	"context"
	"net/http"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/httpx"
)

// statuses maps every domain error code to its HTTP status. Cognito answers every client error
// with 400; only InternalErrorException (a "fault" in the service model) is 500.
var statuses = map[errs.Code]int{
	errs.InvalidParameter:         http.StatusBadRequest,
	errs.InvalidPassword:          http.StatusBadRequest,
	errs.PasswordHistoryViolation: http.StatusBadRequest,
	errs.ResourceNotFound:         http.StatusBadRequest,
	errs.UserNotFound:             http.StatusBadRequest,
	errs.UsernameExists:           http.StatusBadRequest,
	errs.AliasExists:              http.StatusBadRequest,
	errs.GroupExists:              http.StatusBadRequest,
	errs.LimitExceeded:            http.StatusBadRequest,
	errs.TooManyRequests:          http.StatusBadRequest,
	errs.NotAuthorized:            http.StatusBadRequest,
	errs.UserNotConfirmed:         http.StatusBadRequest,
	errs.PasswordResetRequired:    http.StatusBadRequest,
	errs.CodeMismatch:             http.StatusBadRequest,
	errs.ExpiredCode:              http.StatusBadRequest,
	errs.UnsupportedUserState:     http.StatusBadRequest,
	errs.UnsupportedOperation:     http.StatusBadRequest,
	errs.InvalidUserPoolConfig:    http.StatusBadRequest,
	errs.ScopeDoesNotExist:        http.StatusBadRequest,
	errs.InvalidOAuthFlow:         http.StatusBadRequest,
	errs.ConcurrentModification:   http.StatusBadRequest,
	errs.UnrecognizedClient:       http.StatusBadRequest,
	errs.InvalidSignature:         http.StatusBadRequest,
	errs.UnknownOperation:         http.StatusBadRequest,
	errs.SerializationError:       http.StatusBadRequest,
	errs.UserLambdaValidation:     http.StatusBadRequest,
	errs.CodeDeliveryFailure:      http.StatusBadRequest,
	errs.TooManyFailedAttempts:    http.StatusBadRequest,
	errs.InvalidLambdaResponse:    http.StatusBadRequest,
	errs.UnexpectedLambda:         http.StatusBadRequest,
	errs.ForbiddenCode:            http.StatusBadRequest,
	errs.SoftwareTokenMFANotFound: http.StatusBadRequest,
	errs.EnableSoftwareTokenMFA:   http.StatusBadRequest,
	errs.MFAMethodNotFound:        http.StatusBadRequest,
	errs.RefreshTokenReuse:        http.StatusBadRequest,
	errs.Unauthorized:             http.StatusUnauthorized,
	errs.Internal:                 http.StatusInternalServerError,
}

const internalMessage = "An internal error occurred. Please try again later."

// errorBody is Cognito's error shape.
type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

// writeError sends err in Cognito's shape. Anything that is not a mapped *errs.Error is an
// internal error: it is logged with its cause, and the caller only sees a generic message.
func (h *Handler) writeError(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
	code, message := errs.Internal, internalMessage
	e, ok := errs.As(err)
	status, mapped := 0, false
	if ok {
		status, mapped = statuses[e.Code]
	}
	log := h.logger()
	switch {
	case ok && mapped && e.Code != errs.Internal:
		code, message = e.Code, e.Message
		log.DebugContext(ctx, "cognito api error", "request_id", httpx.RequestIDFrom(ctx),
			"target", r.Header.Get("X-Amz-Target"), "code", code, "err", err)
	default:
		status = http.StatusInternalServerError
		log.ErrorContext(ctx, "cognito api internal error", "request_id", httpx.RequestIDFrom(ctx),
			"target", r.Header.Get("X-Amz-Target"), "err", err)
	}
	w.Header().Set("x-amzn-ErrorType", string(code))
	if werr := httpx.WriteJSON(w, status, contentType, errorBody{Type: string(code), Message: message}); werr != nil {
		log.ErrorContext(ctx, "write error response", "request_id", httpx.RequestIDFrom(ctx), "err", werr)
	}
}
