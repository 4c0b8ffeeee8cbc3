package login

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/userpool/userpool/pool"
)

// logout ends the browser's SSO session in the pool and sends it back to the app, in either
// of two forms:
//   - Cognito's: client_id and logout_uri, which must be one of the client's LogoutURLs;
//   - OpenID Connect RP-initiated logout: id_token_hint (an ID token of the pool),
//     post_logout_redirect_uri (one of the LogoutURLs of the token's client) and state.
//
// Without a valid hint or a registered URL for that client it does not redirect (an open
// redirect would let anyone bounce users through the pool) and shows the logged-out page.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, p *pool.Pool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.message(w, r, http.StatusBadRequest, h.view(r, p, nil), "logout.bad_request_title", "logout.bad_request")
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && validCookieValue(c.Value) {
		if err := h.Sessions.End(r.Context(), p.Id, c.Value); err != nil {
			h.internal(w, r, h.view(r, p, nil), err)
			return
		}
	}
	http.SetCookie(w, h.cookie(p.Id, sessionCookie, "", -1))

	target, refused := h.logoutTarget(r, p)
	if target != "" {
		http.Redirect(w, r, target, http.StatusFound)
		return
	}
	paragraphs := []string{"logout.done"}
	if refused != "" {
		paragraphs = append(paragraphs, refused)
	}
	h.message(w, r, http.StatusOK, h.view(r, p, nil), "logout.title", paragraphs...)
}

// notReturned is the catalogue key of the explanation of a refused logout redirect.
const notReturned = "logout.not_returned"

// logoutTarget returns where to send the browser after the logout, or "" and, when the
// request asked for a redirect that is not allowed, why it was refused.
func (h *Handler) logoutTarget(r *http.Request, p *pool.Pool) (string, string) {
	ctx := r.Context()
	if hint := r.Form.Get("id_token_hint"); hint != "" {
		redirect := r.Form.Get("post_logout_redirect_uri")
		_, clientID, err := h.Authorizer.VerifyIDTokenHint(ctx, p.Id, hint)
		if err != nil {
			h.logger().InfoContext(ctx, "logout with an invalid id_token_hint", "pool", p.Id, "err", err)
			if redirect != "" {
				return "", notReturned
			}
			return "", ""
		}
		if redirect == "" {
			return "", ""
		}
		if cid := r.Form.Get("client_id"); cid != "" && cid != clientID {
			return "", notReturned
		}
		if !h.registeredLogoutURL(r, p, clientID, redirect) {
			return "", notReturned
		}
		if state := r.Form.Get("state"); state != "" {
			u, err := url.Parse(redirect)
			if err != nil {
				return "", notReturned
			}
			q := u.Query()
			q.Set("state", state)
			u.RawQuery = q.Encode()
			redirect = u.String()
		}
		return redirect, ""
	}
	if logoutURI := r.Form.Get("logout_uri"); logoutURI != "" {
		if !h.registeredLogoutURL(r, p, r.Form.Get("client_id"), logoutURI) {
			return "", notReturned
		}
		return logoutURI, ""
	}
	if r.Form.Get("post_logout_redirect_uri") != "" {
		// Without an ID token nothing proves which app asks, so the address is not trusted.
		return "", notReturned
	}
	return "", ""
}

// registeredLogoutURL reports whether u is exactly one of the client's LogoutURLs.
func (h *Handler) registeredLogoutURL(r *http.Request, p *pool.Pool, clientID, u string) bool {
	if clientID == "" {
		return false
	}
	c, err := h.Pools.GetClient(r.Context(), p.Id, clientID)
	if err != nil {
		return false
	}
	return slices.Contains(c.LogoutURLs, u)
}
