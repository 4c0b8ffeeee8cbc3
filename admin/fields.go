package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/templates"
)

// field pairs a name that the domain's error messages use (a Cognito parameter such as
// "PasswordPolicy.MinimumLength") with the id of the form field it is about.
type field struct{ domain, id string }

// fieldAlert is the page's alert when the error is shown next to its field.
const fieldAlert = "Nothing was changed: correct the field marked below."

// formFailure puts err on the page: next to its field when the domain's message names one of
// fields (the first that matches, so list specific names before general ones), else in the
// page's alert. It returns the status to render with.
func (h *Handler) formFailure(r *http.Request, b *templates.AdminBase, err error, fields ...field) int {
	status := h.withAlert(r, b, err)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal || len(b.Details) > 0 {
		return status
	}
	for _, f := range fields {
		if strings.Contains(e.Message, f.domain) {
			b.Errors = map[string]string{f.id: e.Message}
			b.Alert = fieldAlert
			break
		}
	}
	return status
}

// fieldError is a console-made error about one field.
func fieldError(b *templates.AdminBase, id, msg string) int {
	b.Errors = map[string]string{id: msg}
	b.Alert = fieldAlert
	return http.StatusBadRequest
}

// parseForm reads a POST's form (URL-encoded or multipart) of at most maxUpload bytes; a
// larger or broken one is answered here.
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request, op *operator) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxUpload)
	} else {
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		h.problem(w, r, op, http.StatusRequestEntityTooLarge, "Too large", "The form is larger than the console accepts (1 MB), so nothing was changed. A logo must be at most 100 KB.")
		return false
	case err != nil:
		h.problem(w, r, op, http.StatusBadRequest, "The form could not be read", "Nothing was changed. Go back, reload the page and try again.")
		return false
	}
	return true
}
