// Package errs defines the domain errors once, named after Cognito's exceptions.
// Each edge (the Cognito API, OIDC, pages, CLI) maps a Code to its own wire shape in one table.
package errs

import (
	"errors"
	"fmt"
)

// Code names a class of failure. The values are Cognito's exception names so that the JSON API
// can emit them unchanged and SDK clients match them as typed errors.
type Code string

const (
	InvalidParameter         Code = "InvalidParameterException"
	InvalidPassword          Code = "InvalidPasswordException"
	PasswordHistoryViolation Code = "PasswordHistoryPolicyViolationException"
	ResourceNotFound         Code = "ResourceNotFoundException"
	UserNotFound             Code = "UserNotFoundException"
	UsernameExists           Code = "UsernameExistsException"
	AliasExists              Code = "AliasExistsException"
	GroupExists              Code = "GroupExistsException"
	LimitExceeded            Code = "LimitExceededException"
	TooManyRequests          Code = "TooManyRequestsException"
	NotAuthorized            Code = "NotAuthorizedException"
	UserNotConfirmed         Code = "UserNotConfirmedException"
	PasswordResetRequired    Code = "PasswordResetRequiredException"
	CodeMismatch             Code = "CodeMismatchException"
	ExpiredCode              Code = "ExpiredCodeException"
	UnsupportedUserState     Code = "UnsupportedUserStateException"
	UnsupportedOperation     Code = "UnsupportedOperationException"
	InvalidUserPoolConfig    Code = "InvalidUserPoolConfigurationException"
	ScopeDoesNotExist        Code = "ScopeDoesNotExistException"
	InvalidOAuthFlow         Code = "InvalidOAuthFlowException"
	ConcurrentModification   Code = "ConcurrentModificationException"
	UnrecognizedClient       Code = "UnrecognizedClientException"
	InvalidSignature         Code = "InvalidSignatureException"
	UnknownOperation         Code = "UnknownOperationException"
	SerializationError       Code = "SerializationException"
	Internal                 Code = "InternalErrorException"
	UserLambdaValidation     Code = "UserLambdaValidationException"
	CodeDeliveryFailure      Code = "CodeDeliveryFailureException"
	TooManyFailedAttempts    Code = "TooManyFailedAttemptsException"
	InvalidLambdaResponse    Code = "InvalidLambdaResponseException"
	UnexpectedLambda         Code = "UnexpectedLambdaException"
	ForbiddenCode            Code = "ForbiddenException"
	// App API sign-in (issue 5).
	RefreshTokenReuse Code = "RefreshTokenReuseException"
	Unauthorized      Code = "UnauthorizedException"
	// MFA (issue 7).
	SoftwareTokenMFANotFound Code = "SoftwareTokenMFANotFoundException"
	EnableSoftwareTokenMFA   Code = "EnableSoftwareTokenMFAException"
	MFAMethodNotFound        Code = "MFAMethodNotFoundException"
)

// Error is a domain error: a Cognito-named Code, a message safe to show the caller, and an
// optional wrapped cause that is logged but never shown.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a message and a hidden cause.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// CodeOf returns the Code of the first *Error in err's chain, or Internal when there is none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
