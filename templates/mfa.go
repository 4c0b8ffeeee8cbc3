package templates

// Page names of the second-factor pages.
const (
	PageMFAStep   = "mfa_step"
	PageMFAManage = "mfa_manage"
)

// Button is a form of one button (with its hidden values), for a list of choices.
type Button struct {
	Action string
	Hidden []Hidden
	Text   string
	// Primary marks the main choice.
	Primary bool
}

// MFAStep is a second-factor page of a sign-in, or the enrolment of an authenticator on the
// manage page: an optional QR code (an image the server renders) with its key for manual
// entry, recovery codes shown once, a form (a code) and choices.
type MFAStep struct {
	Base
	Intro []string
	// QRURL is the enrolment QR code's image URL; Key the same secret for typing in.
	QRURL string
	Key   string
	// RecoveryCodes are shown once, after an enrolment or a regeneration.
	RecoveryCodes []string
	// Action, Hidden, Inputs and Submit are the main form; no form when Action is "".
	Action  string
	Hidden  []Hidden
	Inputs  []Input
	Submit  string
	Choices []Button
	Links   []Link
}

// MFAFactor is one factor's row on the manage page.
type MFAFactor struct {
	Name    string
	Status  string
	Actions []Button
}

// MFAManage is the page where a signed-in user manages their factors.
type MFAManage struct {
	Base
	Intro   []string
	Factors []MFAFactor
	// Recovery says how many recovery codes are left; Actions are the page-wide buttons
	// (regenerate recovery codes).
	Recovery string
	Actions  []Button
	Links    []Link
}
