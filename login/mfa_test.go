package login_test

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/session"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// mfaPolicy sets the env's pool MFA policy and factors.
func (e *env) mfaPolicy(policy string, f pool.MfaFactors) {
	e.t.Helper()
	p, err := e.pools.SetMfaConfig(context.Background(), e.pool.Id, pool.MfaConfig{MfaConfiguration: policy, Factors: f})
	if err != nil {
		e.t.Fatal(err)
	}
	e.pool = p
}

func (e *env) totpCode(secret string) string {
	e.t.Helper()
	code, err := totp.GenerateCode(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// enrolTOTP gives a user an authenticator app (through the service) and returns its secret and
// recovery codes; the clock then moves to the next TOTP step.
func (e *env) enrolTOTP(username string) (string, []string) {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.users.Get(ctx, e.pool.Id, username)
	if err != nil {
		e.t.Fatal(err)
	}
	en, err := e.mfa.Associate(ctx, e.pool.Id, u.Sub)
	if err != nil {
		e.t.Fatal(err)
	}
	enrolled, err := e.mfa.VerifyEnrolment(ctx, e.pool.Id, u.Sub, e.totpCode(en.Secret))
	if err != nil {
		e.t.Fatal(err)
	}
	e.clock.advance(mfa.TOTPPeriod)
	return en.Secret, enrolled.RecoveryCodes
}

func (e *env) mfaURL(path, id string) string {
	return e.srv.URL + "/" + e.pool.Id + "/" + path + "?authRequestID=" + url.QueryEscape(id)
}

// passwordStep signs in with the password and checks that the browser is sent to the MFA page
// without completing the request or starting an SSO session.
func (e *env) passwordStep(c *http.Client, username string) string {
	e.t.Helper()
	id := e.request(e.appA.ClientId, nil)
	p := e.post(c, e.form(c, id, username, password))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+e.pool.Id+"/mfa?authRequestID="+id {
		e.t.Fatalf("password step: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	if e.auth.sub(id) != "" || e.sessionCookie(c) != "" {
		e.t.Fatal("the password alone completed the sign-in")
	}
	return id
}

// mfaPost posts fields to the MFA page with the page's CSRF token.
func (e *env) mfaPost(c *http.Client, id string, fields map[string]string) page {
	e.t.Helper()
	p := do(e.t, c, http.MethodGet, e.mfaURL("mfa", id), nil)
	if p.status != http.StatusOK {
		e.t.Fatalf("GET mfa: %d %s", p.status, p.body)
	}
	form := url.Values{"csrf_token": {csrfRE.FindStringSubmatch(p.body)[1]}, "authRequestID": {id}}
	for k, v := range fields {
		form.Set(k, v)
	}
	return do(e.t, c, http.MethodPost, e.srv.URL+"/"+e.pool.Id+"/mfa", form)
}

// wantDone checks that a response completed the request with amr.
func (e *env) wantDone(p page, id string, amr ...string) {
	e.t.Helper()
	if p.status != http.StatusSeeOther || p.header.Get("Location") != appCallback+"?done="+id {
		e.t.Fatalf("want the request completed: %d %q %s", p.status, p.header.Get("Location"), p.body)
	}
	e.auth.mu.Lock()
	got := e.auth.amr[id]
	e.auth.mu.Unlock()
	if !slices.Equal(got, amr) {
		e.t.Fatalf("amr %v, want %v", got, amr)
	}
}

func TestHostedTOTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnv(t, st)
		e.mfaPolicy(pool.MfaOptional, pool.MfaFactors{SoftwareToken: true, Email: true})
		secret, recovery := e.enrolTOTP("ann")

		c := e.browser()
		id := e.passwordStep(c, "ann")
		p := do(t, c, http.MethodGet, e.mfaURL("mfa", id), nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, `autocomplete="one-time-code"`) || !strings.Contains(p.body, "recovery=1") {
			t.Fatalf("code page: %d %s", p.status, p.body)
		}
		// The other step pages and a second password page do not let the user past the factor.
		for _, path := range []string{"newpassword", "profile"} {
			if p := do(t, c, http.MethodGet, e.mfaURL(path, id), nil); p.status != http.StatusBadRequest {
				t.Fatalf("%s during MFA: %d", path, p.status)
			}
		}
		if p := do(t, c, http.MethodGet, e.loginURL(id), nil); p.status != http.StatusOK || e.auth.sub(id) != "" {
			t.Fatalf("sign-in page during MFA: %d", p.status)
		}
		// A forged form changes nothing.
		forged := do(t, c, http.MethodPost, e.srv.URL+"/"+e.pool.Id+"/mfa", url.Values{"authRequestID": {id}, "code": {e.totpCode(secret)}})
		if forged.status != http.StatusForbidden || e.auth.sub(id) != "" {
			t.Fatalf("post without CSRF token: %d", forged.status)
		}
		// Another browser (no step cookie) cannot answer.
		other := e.browser()
		do(t, other, http.MethodGet, e.loginURL(id), nil)
		if p := do(t, other, http.MethodGet, e.mfaURL("mfa", id), nil); p.status != http.StatusBadRequest {
			t.Fatalf("MFA page without the step cookie: %d", p.status)
		}
		// A wrong code is shown as such; the right one completes the sign-in with its amr.
		if p := e.mfaPost(c, id, map[string]string{"code": "000000"}); p.status != http.StatusBadRequest || !strings.Contains(p.body, "not right") {
			t.Fatalf("wrong code: %d %s", p.status, p.body)
		}
		if p := e.mfaPost(c, id, map[string]string{"code": ""}); p.status != http.StatusBadRequest {
			t.Fatalf("empty code: %d", p.status)
		}
		code := e.totpCode(secret)
		e.wantDone(e.mfaPost(c, id, map[string]string{"code": code}), id, "pwd", "otp", "mfa")
		if e.sessionCookie(c) == "" {
			t.Fatal("no SSO session after the second factor")
		}
		// The SSO session carries the amr to the next app.
		id2 := e.request(e.appB.ClientId, nil)
		if p := do(t, c, http.MethodGet, e.loginURL(id2), nil); p.status != http.StatusFound {
			t.Fatalf("SSO: %d", p.status)
		}
		e.auth.mu.Lock()
		ssoAMR := e.auth.amr[id2]
		e.auth.mu.Unlock()
		if !slices.Equal(ssoAMR, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("SSO amr %v", ssoAMR)
		}

		// The same code again (replay) is refused; a recovery code works once instead.
		c = e.browser()
		id = e.passwordStep(c, "ann")
		if p := e.mfaPost(c, id, map[string]string{"code": code}); p.status != http.StatusBadRequest {
			t.Fatalf("replayed code: %d", p.status)
		}
		if p := do(t, c, http.MethodGet, e.mfaURL("mfa", id)+"&recovery=1", nil); !strings.Contains(p.body, "recovery code") {
			t.Fatalf("recovery page: %s", p.body)
		}
		e.wantDone(e.mfaPost(c, id, map[string]string{"code": recovery[0]}), id, "pwd", "mfa")
		c = e.browser()
		id = e.passwordStep(c, "ann")
		if p := e.mfaPost(c, id, map[string]string{"code": recovery[0]}); p.status != http.StatusBadRequest {
			t.Fatalf("used recovery code: %d", p.status)
		}

		// Five wrong codes end the attempt: the right code is then refused too.
		c = e.browser()
		id = e.passwordStep(c, "ann")
		for i := 1; i <= mfa.MaxFailures; i++ {
			p := e.mfaPost(c, id, map[string]string{"code": "000000"})
			if i == mfa.MaxFailures && p.status != http.StatusUnauthorized {
				t.Fatalf("code %d: %d %s", i, p.status, p.body)
			}
		}
		e.clock.advance(mfa.TOTPPeriod)
		if p := do(t, c, http.MethodGet, e.mfaURL("mfa", id), nil); p.status != http.StatusBadRequest || e.auth.sub(id) != "" {
			t.Fatalf("after the limit: %d", p.status)
		}
	})
}

var (
	secretKeyRE = regexp.MustCompile(`<code class="secret-key">([A-Z2-7]+)</code>`)
	qrRE        = regexp.MustCompile(`<img src="([^"]+)" width="256"`)
	recoveryRE  = regexp.MustCompile(`<li><code>([a-z0-9-]+)</code></li>`)
)

// With MFA ON, a user without a factor enrols an authenticator app during sign-in: QR code
// image and key, first code, recovery codes shown once, then the app.
func TestHostedMFASetup(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnv(t, st)
		e.mfaPolicy(pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
		c := e.browser()
		id := e.passwordStep(c, "ann")
		p := do(t, c, http.MethodGet, e.mfaURL("mfa", id), nil)
		key, qr := secretKeyRE.FindStringSubmatch(p.body), qrRE.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || key == nil || qr == nil {
			t.Fatalf("setup page: %d %s", p.status, p.body)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self'") || strings.Contains(csp, "script-src") {
			t.Fatalf("CSP %q", csp)
		}
		img := do(t, c, http.MethodGet, e.srv.URL+html.UnescapeString(qr[1]), nil)
		if img.status != http.StatusOK || img.header.Get("Content-Type") != "image/png" || !bytes.HasPrefix([]byte(img.body), []byte("\x89PNG")) {
			t.Fatalf("QR code: %d %q", img.status, img.header.Get("Content-Type"))
		}
		// Reloading shows the same key; another browser gets no image.
		if again := secretKeyRE.FindStringSubmatch(do(t, c, http.MethodGet, e.mfaURL("mfa", id), nil).body); again == nil || again[1] != key[1] {
			t.Fatalf("key changed on reload: %v", again)
		}
		if p := do(t, e.browser(), http.MethodGet, e.srv.URL+html.UnescapeString(qr[1]), nil); p.status == http.StatusOK && p.header.Get("Content-Type") == "image/png" {
			t.Fatal("QR code served to another browser")
		}
		if p := e.mfaPost(c, id, map[string]string{"code": "000000"}); p.status != http.StatusBadRequest || e.auth.sub(id) != "" {
			t.Fatalf("wrong first code: %d", p.status)
		}
		p = e.mfaPost(c, id, map[string]string{"code": e.totpCode(key[1])})
		codes := recoveryRE.FindAllStringSubmatch(p.body, -1)
		if p.status != http.StatusOK || len(codes) != mfa.RecoveryCodeCount || e.auth.sub(id) != "" {
			t.Fatalf("after the first code: %d %d codes %s", p.status, len(codes), p.body)
		}
		// Continuing completes the sign-in; the codes are not shown again.
		e.wantDone(e.mfaPost(c, id, nil), id, "pwd", "otp", "mfa")

		// The next sign-in asks for a code, and a recovery code works.
		e.clock.advance(mfa.TOTPPeriod)
		c = e.browser()
		id = e.passwordStep(c, "ann")
		e.wantDone(e.mfaPost(c, id, map[string]string{"code": codes[3][1]}), id, "pwd", "mfa")
	})
}

// ssoAMR returns the amr of the browser's SSO session.
func (e *env) ssoAMR(c *http.Client) []string {
	e.t.Helper()
	s, err := e.sessions.Get(context.Background(), e.pool.Id, e.sessionCookie(c))
	if err != nil || s == nil {
		e.t.Fatalf("no SSO session: %v", err)
	}
	return s.AMR
}

// The manage page: a signed-in user turns factors on and off, prefers one, sets up a new
// authenticator and gets new recovery codes; forged forms and strangers change nothing. A
// password-only session of a user without a factor may enrol; setting up the authenticator
// app (a verified code) upgrades the session, turning on email (no proof) does not.
func TestHostedManageFactors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnv(t, st)
		e.mfaPolicy(pool.MfaOptional, pool.MfaFactors{SoftwareToken: true, Email: true})
		manage := e.srv.URL + "/" + e.pool.Id + "/mfa/manage"
		if p := do(t, e.browser(), http.MethodGet, manage, nil); p.status != http.StatusUnauthorized {
			t.Fatalf("manage without a session: %d", p.status)
		}
		c := e.browser()
		e.signIn(c, e.appA.ClientId, "ann")
		p := do(t, c, http.MethodGet, manage, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Authenticator app") || !strings.Contains(p.body, "Email") ||
			strings.Contains(p.body, "Get new recovery codes") {
			t.Fatalf("manage page: %d %s", p.status, p.body)
		}
		csrf := csrfRE.FindStringSubmatch(p.body)[1]
		post := func(path string, kv ...string) page {
			form := url.Values{"csrf_token": {csrf}}
			for i := 0; i+1 < len(kv); i += 2 {
				form.Set(kv[i], kv[i+1])
			}
			return do(t, c, http.MethodPost, manage+path, form)
		}
		ann := func() user.MFASettings {
			u, err := e.users.Get(context.Background(), e.pool.Id, "ann")
			if err != nil {
				t.Fatal(err)
			}
			return u.MFA
		}
		if p := do(t, c, http.MethodPost, manage, url.Values{"op": {"enable"}, "factor": {"EMAIL_OTP"}}); p.status != http.StatusForbidden || len(ann().Enabled) != 0 {
			t.Fatalf("forged form: %d %v", p.status, ann())
		}
		if p := post("", "op", "enable", "factor", "NOPE"); p.status != http.StatusBadRequest {
			t.Fatalf("bad factor: %d", p.status)
		}
		// The authenticator cannot be turned on before it is set up.
		if p := post("", "op", "enable", "factor", "SOFTWARE_TOKEN_MFA"); p.status != http.StatusBadRequest || len(ann().Enabled) != 0 {
			t.Fatalf("enable without authenticator: %d %v", p.status, ann())
		}
		// A password alone makes no recovery codes: they would stand in for a later factor.
		if p := post("", "op", "recovery"); p.status != http.StatusForbidden || recoveryRE.MatchString(p.body) || e.recoveryLeft("ann") != 0 {
			t.Fatalf("recovery codes with a password-only session: %d", p.status)
		}
		// Set up an authenticator app.
		if p := post("", "op", "setup"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+e.pool.Id+"/mfa/manage/setup" {
			t.Fatalf("setup: %d %q", p.status, p.header.Get("Location"))
		}
		p = do(t, c, http.MethodGet, manage+"/setup", nil)
		key := secretKeyRE.FindStringSubmatch(p.body)
		if key == nil || !strings.Contains(p.body, `src="/`+e.pool.Id+`/mfa/manage/qr"`) {
			t.Fatalf("setup page: %s", p.body)
		}
		if img := do(t, c, http.MethodGet, manage+"/qr", nil); img.header.Get("Content-Type") != "image/png" {
			t.Fatalf("manage QR: %d", img.status)
		}
		if p := post("/setup", "code", "000000"); p.status != http.StatusBadRequest || !slices.Equal(e.ssoAMR(c), []string{"pwd"}) {
			t.Fatalf("wrong code: %d", p.status)
		}
		old := e.sessionCookie(c)
		p = post("/setup", "code", e.totpCode(key[1]))
		if p.status != http.StatusOK || len(recoveryRE.FindAllString(p.body, -1)) != mfa.RecoveryCodeCount {
			t.Fatalf("after setup: %d %s", p.status, p.body)
		}
		if got := ann(); !slices.Equal(got.Enabled, []string{"SOFTWARE_TOKEN_MFA"}) || got.PreferredMfa != "SOFTWARE_TOKEN_MFA" {
			t.Fatalf("after setup: %+v", got)
		}
		// The verified code is a second factor: the session is re-issued with it.
		if e.sessionCookie(c) == old || !slices.Equal(e.ssoAMR(c), []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("session after setup: rotated %v, amr %v", e.sessionCookie(c) != old, e.ssoAMR(c))
		}
		if p := do(t, c, http.MethodGet, manage, nil); p.status != http.StatusOK || !strings.Contains(p.body, "Get new recovery codes") {
			t.Fatalf("manage page after setup: %d %s", p.status, p.body)
		}
		if p := post("", "op", "prefer", "factor", "EMAIL_OTP"); p.status != http.StatusSeeOther ||
			!slices.Equal(ann().Enabled, []string{"SOFTWARE_TOKEN_MFA", "EMAIL_OTP"}) || ann().PreferredMfa != "EMAIL_OTP" {
			t.Fatalf("prefer email: %d %+v", p.status, ann())
		}
		// New recovery codes replace the old ones.
		p = post("", "op", "recovery")
		if p.status != http.StatusOK || len(recoveryRE.FindAllString(p.body, -1)) != mfa.RecoveryCodeCount {
			t.Fatalf("new recovery codes: %d", p.status)
		}
		if p := post("", "op", "disable", "factor", "EMAIL_OTP"); p.status != http.StatusSeeOther ||
			!slices.Equal(ann().Enabled, []string{"SOFTWARE_TOKEN_MFA"}) || ann().PreferredMfa != "" {
			t.Fatalf("disable email: %d %+v", p.status, ann())
		}

		// Turning email on proves nothing: the session stays password-only, and from then on
		// the manage page asks for the new factor first.
		e.user("bob", "bob@example.com")
		c = e.browser()
		e.signIn(c, e.appA.ClientId, "bob")
		csrf = csrfRE.FindStringSubmatch(do(t, c, http.MethodGet, manage, nil).body)[1]
		old = e.sessionCookie(c)
		if p := post("", "op", "enable", "factor", "EMAIL_OTP"); p.status != http.StatusSeeOther {
			t.Fatalf("bob turns email on: %d %s", p.status, p.body)
		}
		if e.sessionCookie(c) != old || !slices.Equal(e.ssoAMR(c), []string{"pwd"}) {
			t.Fatalf("enabling email upgraded the session: %v", e.ssoAMR(c))
		}
		if p := do(t, c, http.MethodGet, manage, nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+e.pool.Id+"/mfa" {
			t.Fatalf("manage page with a new factor: %d %q", p.status, p.header.Get("Location"))
		}
		if p := do(t, c, http.MethodGet, e.srv.URL+"/"+e.pool.Id+"/mfa", nil); p.status != http.StatusOK || !strings.Contains(p.body, "by email") {
			t.Fatalf("email step-up page: %d %s", p.status, p.body)
		}
	})
}

func (e *env) recoveryLeft(username string) int {
	e.t.Helper()
	u, err := e.users.Get(context.Background(), e.pool.Id, username)
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := e.mfa.GetStatus(context.Background(), e.pool.Id, u.Sub)
	if err != nil {
		e.t.Fatal(err)
	}
	return st.RecoveryCodesLeft
}

// A password-only SSO session (here from before the user enabled an authenticator app
// elsewhere) cannot turn off, replace or read the user's factors, nor make recovery codes:
// every manage request sends it through the second factor first, and the session that passed
// it can.
func TestManageNeedsSecondFactor(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnv(t, st)
		e.mfaPolicy(pool.MfaOptional, pool.MfaFactors{SoftwareToken: true, Email: true})
		manage := e.srv.URL + "/" + e.pool.Id + "/mfa/manage"
		stepUp := "/" + e.pool.Id + "/mfa"
		c := e.browser()
		e.signIn(c, e.appA.ClientId, "ann")
		csrf := csrfRE.FindStringSubmatch(do(t, c, http.MethodGet, manage, nil).body)[1]
		secret, recovery := e.enrolTOTP("ann")
		u, err := e.users.Get(context.Background(), e.pool.Id, "ann")
		if err != nil {
			t.Fatal(err)
		}
		before := u.MFA
		unchanged := func(what string) {
			t.Helper()
			u, err := e.users.Get(context.Background(), e.pool.Id, "ann")
			if err != nil {
				t.Fatal(err)
			}
			pending, err := e.mfa.Pending(context.Background(), e.pool.Id, u.Sub)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(u.MFA.Enabled, before.Enabled) || u.MFA.PreferredMfa != before.PreferredMfa || pending != nil ||
				e.recoveryLeft("ann") != mfa.RecoveryCodeCount || !slices.Equal(e.ssoAMR(c), []string{"pwd"}) {
				t.Fatalf("%s changed the MFA: %+v pending %v, %d codes, amr %v", what, u.MFA, pending != nil, e.recoveryLeft("ann"), e.ssoAMR(c))
			}
		}
		for _, tt := range []struct {
			name, method, path string
			form               url.Values
		}{
			{"manage page", http.MethodGet, "", nil},
			{"disable", http.MethodPost, "", url.Values{"op": {"disable"}, "factor": {"SOFTWARE_TOKEN_MFA"}}},
			{"enable email", http.MethodPost, "", url.Values{"op": {"enable"}, "factor": {"EMAIL_OTP"}}},
			{"new recovery codes", http.MethodPost, "", url.Values{"op": {"recovery"}}},
			{"new authenticator", http.MethodPost, "", url.Values{"op": {"setup"}}},
			{"setup page", http.MethodGet, "/setup", nil},
			{"setup code", http.MethodPost, "/setup", url.Values{"code": {e.totpCode(secret)}}},
			{"QR code", http.MethodGet, "/qr", nil},
		} {
			if tt.form != nil {
				tt.form.Set("csrf_token", csrf)
			}
			p := do(t, c, tt.method, manage+tt.path, tt.form)
			if p.status != http.StatusSeeOther || p.header.Get("Location") != stepUp || recoveryRE.MatchString(p.body) || secretKeyRE.MatchString(p.body) {
				t.Fatalf("%s with a password-only session: %d %q", tt.name, p.status, p.header.Get("Location"))
			}
			unchanged(tt.name)
		}

		// The step-up is the second-factor page, bound to no request: a forged form, a wrong
		// code and another browser get nowhere.
		stepURL := e.srv.URL + stepUp
		p := do(t, c, http.MethodGet, stepURL, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, `autocomplete="one-time-code"`) || strings.Contains(p.body, "authRequestID") {
			t.Fatalf("step-up page: %d %s", p.status, p.body)
		}
		stepPost := func(code string) page {
			p := do(t, c, http.MethodGet, stepURL, nil)
			return do(t, c, http.MethodPost, stepURL, url.Values{"csrf_token": {csrfRE.FindStringSubmatch(p.body)[1]}, "code": {code}})
		}
		if p := do(t, c, http.MethodPost, stepURL, url.Values{"code": {e.totpCode(secret)}}); p.status != http.StatusForbidden {
			t.Fatalf("step-up without CSRF token: %d", p.status)
		}
		if p := stepPost("000000"); p.status != http.StatusBadRequest {
			t.Fatalf("wrong step-up code: %d", p.status)
		}
		unchanged("a wrong code")
		if p := do(t, e.browser(), http.MethodGet, stepURL, nil); p.status != http.StatusBadRequest {
			t.Fatalf("step-up page in another browser: %d", p.status)
		}
		// A recovery code passes too; the session is re-issued with the second factor.
		old := e.sessionCookie(c)
		p = stepPost(recovery[0])
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+e.pool.Id+"/mfa/manage" {
			t.Fatalf("step-up: %d %q %s", p.status, p.header.Get("Location"), p.body)
		}
		if e.sessionCookie(c) == old || !slices.Equal(e.ssoAMR(c), []string{"pwd", "mfa"}) {
			t.Fatalf("session after the step-up: rotated %v, amr %v", e.sessionCookie(c) != old, e.ssoAMR(c))
		}
		if p := do(t, c, http.MethodGet, stepURL, nil); p.status != http.StatusBadRequest {
			t.Fatalf("step-up page after it passed: %d", p.status)
		}
		// Now the changes go through.
		if p := do(t, c, http.MethodPost, manage, url.Values{"csrf_token": {csrf}, "op": {"recovery"}}); p.status != http.StatusOK ||
			len(recoveryRE.FindAllString(p.body, -1)) != mfa.RecoveryCodeCount {
			t.Fatalf("new recovery codes after the step-up: %d", p.status)
		}
		if p := do(t, c, http.MethodPost, manage, url.Values{"csrf_token": {csrf}, "op": {"disable"}, "factor": {"SOFTWARE_TOKEN_MFA"}}); p.status != http.StatusSeeOther {
			t.Fatalf("disable after the step-up: %d %s", p.status, p.body)
		}
		if u, _ := e.users.Get(context.Background(), e.pool.Id, "ann"); len(u.MFA.Enabled) != 0 {
			t.Fatalf("after disable: %+v", u.MFA)
		}

		// A factor no sign-in can ask for (MFA turned off) cannot be proved, so it is not
		// changed by a password-only session either.
		e.user("bob", "bob@example.com")
		c = e.browser()
		e.signIn(c, e.appA.ClientId, "bob")
		e.enrolTOTP("bob")
		e.mfaPolicy(pool.MfaOff, pool.MfaFactors{})
		if p := do(t, c, http.MethodPost, manage, url.Values{"csrf_token": {csrf}, "op": {"disable"}, "factor": {"SOFTWARE_TOKEN_MFA"}}); p.status != http.StatusForbidden {
			t.Fatalf("disable with MFA off: %d", p.status)
		}
		if u, _ := e.users.Get(context.Background(), e.pool.Id, "bob"); !slices.Equal(u.MFA.Enabled, []string{"SOFTWARE_TOKEN_MFA"}) {
			t.Fatalf("bob's factors with MFA off: %+v", u.MFA)
		}
	})
}

// Through the real provider: the second factor's amr reaches the app's ID token, and the
// provider's callback does not answer a request whose second factor is missing.
func TestHostedMFAProvider(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newSite(t, db)
		p := s.newPool(func(p *pool.Pool) {
			p.MfaConfiguration = pool.MfaOn
			p.MfaFactors = pool.MfaFactors{Email: true, SoftwareToken: true}
		})
		app := s.newApp(p, nil)
		ctx := context.Background()
		u, _, err := s.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "ann@example.com", MessageAction: "SUPPRESS",
			Attributes: []user.Attribute{{Name: "email", Value: "ann@example.com"}, {Name: "email_verified", Value: "true"},
				{Name: "given_name", Value: "Ann"}, {Name: "birthdate", Value: "1990-01-01"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.users.AdminSetPassword(ctx, p.Id, "ann@example.com", password, true); err != nil {
			t.Fatal(err)
		}
		// No factor yet: MFA ON sends the code to the verified email.
		rp := s.relying(p, app)
		jar := (&env{}).browser()
		pg := s.navigate(jar, http.MethodGet, rp.authURL("st1"), nil)
		pg = s.submit(jar, pg, map[string]string{"username": "ann@example.com", "password": password})
		if !strings.Contains(pg.url, "/mfa?") || !strings.Contains(pg.body, "We sent a code by email") {
			t.Fatalf("after the password: %s\n%s", pg.url, pg.body)
		}
		// Skipping the second factor: the provider's callback has nothing to answer with.
		reqID, _ := url.ParseQuery(strings.SplitN(pg.url, "?", 2)[1])
		cb := do(t, jar, http.MethodGet, s.srv.URL+"/"+p.Id+"/oauth2/authorize/callback?id="+url.QueryEscape(reqID.Get("authRequestID")), nil)
		if loc := cb.header.Get("Location"); strings.Contains(loc, "code=") {
			t.Fatalf("callback before the second factor answered with a code: %d %q", cb.status, loc)
		}
		_, code := s.code()
		pg = s.submit(jar, pg, map[string]string{"code": code})
		claims := s.tokens(rp, pg.header.Get("Location"), "st1")
		amr, _ := claims["amr"].([]any)
		if len(amr) != 3 || amr[0] != "pwd" || amr[1] != "otp" || amr[2] != "mfa" || claims["sub"] != u.Sub {
			t.Fatalf("ID token amr %v sub %v", claims["amr"], claims["sub"])
		}
	})
}

// An SSO session from before the user needed a second factor does not stand in for one: the
// next app's request goes through the second-factor step (prompt=none answers
// interaction_required), and the session that step starts then passes as usual. Turning MFA
// ON for a user with no factor sends them to enrol.
func TestSSOSessionDoesNotBypassMFA(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		e := newEnv(t, st)
		c := e.browser()
		e.signIn(c, e.appA.ClientId, "ann") // MFA OFF: a password-only session

		// The pool turns MFA on and ann enrols an authenticator app elsewhere.
		e.mfaPolicy(pool.MfaOptional, pool.MfaFactors{SoftwareToken: true})
		secret, _ := e.enrolTOTP("ann")

		none := e.request(e.appB.ClientId, func(ar *session.AuthRequest) { ar.Prompt = []string{"none"} })
		p := do(t, c, http.MethodGet, e.loginURL(none), nil)
		if p.status != http.StatusFound || p.header.Get("Location") != appCallback+"?error=interaction_required" || e.auth.sub(none) != "" {
			t.Fatalf("prompt=none with a password-only session: %d %q", p.status, p.header.Get("Location"))
		}
		id := e.request(e.appB.ClientId, nil)
		p = do(t, c, http.MethodGet, e.loginURL(id), nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/"+e.pool.Id+"/mfa?authRequestID="+id || e.auth.sub(id) != "" {
			t.Fatalf("SSO without the second factor: %d %q", p.status, p.header.Get("Location"))
		}
		// The step cannot be skipped by asking for the sign-in page again, nor answered wrongly.
		if p := do(t, c, http.MethodGet, e.loginURL(id), nil); e.auth.sub(id) != "" || p.status/100 == 2 && strings.Contains(p.body, "done=") {
			t.Fatalf("second visit completed the request: %d", p.status)
		}
		if p := e.mfaPost(c, id, map[string]string{"code": "000000"}); p.status != http.StatusBadRequest || e.auth.sub(id) != "" {
			t.Fatalf("wrong code: %d", p.status)
		}
		old := e.sessionCookie(c)
		e.wantDone(e.mfaPost(c, id, map[string]string{"code": e.totpCode(secret)}), id, "pwd", "otp", "mfa")
		if e.sessionCookie(c) == old {
			t.Fatal("the session id was not rotated at the step-up")
		}
		// The stepped-up session now passes, also with prompt=none.
		id = e.request(e.appA.ClientId, func(ar *session.AuthRequest) { ar.Prompt = []string{"none"} })
		if p := do(t, c, http.MethodGet, e.loginURL(id), nil); p.status != http.StatusFound || e.auth.sub(id) == "" {
			t.Fatalf("stepped-up session: %d %q", p.status, p.header.Get("Location"))
		}

		// MFA ON and a user with no factor: a password-only session leads to enrolment.
		e.user("bob", "bob@example.com")
		c = e.browser()
		e.signIn(c, e.appA.ClientId, "bob")
		e.mfaPolicy(pool.MfaOn, pool.MfaFactors{SoftwareToken: true})
		id = e.request(e.appB.ClientId, nil)
		if p := do(t, c, http.MethodGet, e.loginURL(id), nil); p.status != http.StatusSeeOther || e.auth.sub(id) != "" {
			t.Fatalf("MFA ON with a password-only session: %d %q", p.status, p.header.Get("Location"))
		}
		if p := do(t, c, http.MethodGet, e.mfaURL("mfa", id), nil); p.status != http.StatusOK || !secretKeyRE.MatchString(p.body) {
			t.Fatalf("enrolment page: %d %s", p.status, p.body)
		}
	})
}
