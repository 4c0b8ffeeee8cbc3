package login_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

const newPassword = "N3w-Passw0rd!x"

// signUpFields is a valid sign-up form for the test pool.
func signUpFields(email string) map[string]string {
	return map[string]string{"email": email, "password": newPassword, "password_confirm": newPassword,
		"given_name": "Zoé", "birthdate": "1990-04-01", "custom:team": "Blue", "custom:shoe_size": "42"}
}

// csrfStripped hides the per-browser values of a page, so that two answers can be compared.
func csrfStripped(body string) string {
	body = regexp.MustCompile(`value="[^"]*"`).ReplaceAllString(body, `value=""`)
	return regexp.MustCompile(`authRequestID=[^"&]+`).ReplaceAllString(body, `authRequestID=`)
}

func TestSignUpAndConfirm(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newSite(t, db)
		p := s.newPool(nil)
		rp := s.relying(p, s.newApp(p, nil))
		c := (&env{}).browser()

		pg := s.navigate(c, http.MethodGet, rp.authURL("st1"), nil)
		if !strings.Contains(pg.body, "/signup?authRequestID=") {
			t.Fatalf("no link to sign up on the sign-in page:\n%s", pg.body)
		}
		link := regexp.MustCompile(`href="(/[^"]+/signup\?authRequestID=[^"]+)"`).FindStringSubmatch(pg.body)
		pg = s.navigate(c, http.MethodGet, s.srv.URL+strings.ReplaceAll(link[1], "&amp;", "&"), nil)
		for _, want := range []string{`type="email"`, `id="f-given-name"`, `type="date"`, `id="f-custom-team"`, `maxlength="12"`,
			`type="number"`, `min="1"`, `max="60"`, "At least 8 characters", "An uppercase letter", `autocomplete="new-password"`} {
			if !strings.Contains(pg.body, want) {
				t.Errorf("sign-up form lacks %q", want)
			}
		}
		pg = s.submit(c, pg, signUpFields("zoe@example.com"))
		if pg.status != http.StatusOK || !strings.Contains(pg.url, "/confirm?") || !strings.Contains(pg.body, "z***@e***") {
			t.Fatalf("after sign-up: %d %s\n%s", pg.status, pg.url, pg.body)
		}
		to, code := s.code()
		if to != "zoe@example.com" {
			t.Fatalf("code sent to %q", to)
		}
		// A wrong code first, then the right one: signed in and back at the app.
		bad := s.submit(c, pg, map[string]string{"code": "000000"})
		if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "This code is not right") {
			t.Fatalf("wrong code: %d", bad.status)
		}
		pg = s.submit(c, bad, map[string]string{"code": code})
		claims := s.tokens(rp, pg.header.Get("Location"), "st1")
		if claims["email"] != "zoe@example.com" || claims["email_verified"] != true || claims["given_name"] != "Zoé" {
			t.Fatalf("claims %v", claims)
		}
		u, err := s.users.Get(context.Background(), p.Id, "zoe@example.com")
		if err != nil || u.Status != user.StatusConfirmed || u.Attributes["custom:team"] != "Blue" || u.Attributes["custom:shoe_size"] != "42" {
			t.Fatalf("user %+v %v", u, err)
		}
		// The SSO session passes the next request through.
		pg = s.navigate(c, http.MethodGet, rp.authURL("st2"), nil)
		s.tokens(rp, pg.header.Get("Location"), "st2")
	})
}

func TestSignUpValidation(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(func(p *pool.Pool) {
		p.Policies.PasswordPolicy = pool.PasswordPolicy{MinimumLength: 10, RequireUppercase: true, RequireNumbers: true}
	})
	rp := s.relying(p, s.newApp(p, nil))
	if _, _, err := s.users.AdminCreateUser(context.Background(), p.Id, user.AdminCreateUserInput{Username: "taken@example.com", MessageAction: "SUPPRESS",
		Attributes: []user.Attribute{{Name: "email", Value: "taken@example.com"}, {Name: "given_name", Value: "T"}, {Name: "birthdate", Value: "1990-01-01"}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mod    func(map[string]string)
		status int
		want   []string
	}{
		{"no email", func(f map[string]string) { f["email"] = "" }, 400, []string{"Enter your email address.", `aria-describedby="f-email-error"`}},
		{"bad email", func(f map[string]string) { f["email"] = "not-an-email" }, 400, []string{"Enter an email address like name@example.com."}},
		{"no given name", func(f map[string]string) { f["given_name"] = " " }, 400, []string{"Enter your first name."}},
		{"bad date", func(f map[string]string) { f["birthdate"] = "1st of April" }, 400, []string{"Enter a date."}},
		{"custom too long", func(f map[string]string) { f["custom:team"] = "A very long team name" }, 400, []string{"Use at most 12 characters."}},
		{"not a number", func(f map[string]string) { f["custom:shoe_size"] = "big" }, 400, []string{"Enter a number."}},
		{"number out of range", func(f map[string]string) { f["custom:shoe_size"] = "99" }, 400, []string{"Value must be at most 60."}},
		{"no password", func(f map[string]string) { f["password"], f["password_confirm"] = "", "" }, 400, []string{"Enter your password."}},
		{"passwords differ", func(f map[string]string) { f["password_confirm"] = "x" + newPassword }, 400, []string{"The two passwords are different."}},
		{"password too short", func(f map[string]string) { f["password"], f["password_confirm"] = "Sh0rt!", "Sh0rt!" }, 400,
			[]string{`passwordCheck-notValid-customizable failed">At least 10 characters`, "does not meet the rule"}},
		{"password without uppercase", func(f map[string]string) {
			f["password"], f["password_confirm"] = "lowercase-only-1", "lowercase-only-1"
		}, 400,
			[]string{`failed">An uppercase letter`}},
		{"password without number", func(f map[string]string) { f["password"], f["password_confirm"] = "NoNumbersHere!", "NoNumbersHere!" }, 400,
			[]string{`failed">A number`}},
		{"existing account", func(f map[string]string) { f["email"] = "taken@example.com" }, 400, []string{"An account with this name already exists."}},
		{"forged form", func(f map[string]string) { f["csrf_token"] = "forged" }, 403, []string{"This form has expired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := (&env{}).browser()
			pg := s.navigate(c, http.MethodGet, rp.authURL("st"), nil)
			id := regexpAuthRequest.FindStringSubmatch(pg.body)[1]
			pg = s.navigate(c, http.MethodGet, s.srv.URL+"/"+p.Id+"/signup?authRequestID="+id, nil)
			fields := signUpFields("new@example.com")
			tt.mod(fields)
			pg = s.submit(c, pg, fields)
			if pg.status != tt.status {
				t.Fatalf("status %d, want %d:\n%s", pg.status, tt.status, pg.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(pg.body, w) {
					t.Errorf("page lacks %q:\n%s", w, pg.body)
				}
			}
			if strings.Contains(pg.body, newPassword) {
				t.Error("the password was written back into the page")
			}
			if _, err := s.users.Get(context.Background(), p.Id, "new@example.com"); err == nil {
				t.Error("a user was created")
			}
		})
	}
}

// startAt opens the app's authorization request and then one of the pool's pages.
func (s *site) startAt(c *http.Client, rp *relying, p *pool.Pool, page string, opts ...oauth2.AuthCodeOption) page {
	s.t.Helper()
	pg := s.navigate(c, http.MethodGet, rp.authURL("st", opts...), nil)
	m := regexpAuthRequest.FindStringSubmatch(pg.body)
	if m == nil {
		s.t.Fatalf("no sign-in page: %d %s", pg.status, pg.body)
	}
	return s.navigate(c, http.MethodGet, s.srv.URL+"/"+p.Id+"/"+page+"?authRequestID="+m[1], nil)
}

func (s *site) confirmedUser(p *pool.Pool, email string, attrs ...user.Attribute) {
	s.t.Helper()
	ctx := context.Background()
	attrs = append(attrs, user.Attribute{Name: "email", Value: email}, user.Attribute{Name: "email_verified", Value: "true"})
	if _, _, err := s.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: email, MessageAction: "SUPPRESS", Attributes: attrs}); err != nil {
		s.t.Fatal(err)
	}
	if err := s.users.AdminSetPassword(ctx, p.Id, email, password, true); err != nil {
		s.t.Fatal(err)
	}
}

func TestForgotPassword(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newSite(t, db)
		p := s.newPool(nil)
		rp := s.relying(p, s.newApp(p, nil))
		s.confirmedUser(p, "ann@example.com", user.Attribute{Name: "given_name", Value: "Ann"}, user.Attribute{Name: "birthdate", Value: "1980-02-03"})
		c := (&env{}).browser()
		pg := s.startAt(c, rp, p, "forgot")
		pg = s.submit(c, pg, map[string]string{"username": "ann@example.com"})
		if pg.status != http.StatusOK || !strings.Contains(pg.body, "If an account matches, we sent it a code") {
			t.Fatalf("forgot: %d\n%s", pg.status, pg.body)
		}
		_, code := s.code()
		// A password the policy refuses keeps the code usable.
		weak := s.submit(c, pg, map[string]string{"code": code, "password": "weakpassword", "password_confirm": "weakpassword"})
		if weak.status != http.StatusBadRequest || !strings.Contains(weak.body, `failed">`) {
			t.Fatalf("weak password: %d\n%s", weak.status, weak.body)
		}
		pg = s.submit(c, weak, map[string]string{"code": code, "password": newPassword, "password_confirm": newPassword})
		claims := s.tokens(rp, pg.header.Get("Location"), "st")
		if claims["email"] != "ann@example.com" {
			t.Fatalf("claims %v", claims)
		}
		if _, err := s.users.SignIn(context.Background(), p.Id, "ann@example.com", newPassword); err != nil {
			t.Fatalf("the new password does not work: %v", err)
		}
	})
}

// TestSameAnswer checks that forgot password and resend answer the same whether or not the
// account exists, and that a code for an unknown user reads as a wrong code.
func TestSameAnswer(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(nil)
	rp := s.relying(p, s.newApp(p, nil))
	legacy := s.relying(p, s.newApp(p, func(c *pool.Client) { c.PreventUserExistenceErrors = pool.PreventUserExistenceLegacy }))
	s.confirmedUser(p, "ann@example.com", user.Attribute{Name: "given_name", Value: "Ann"}, user.Attribute{Name: "birthdate", Value: "1980-02-03"})
	ctx := context.Background()
	// A user without a verified address cannot get a code, and must not be told apart either.
	if _, _, err := s.users.AdminCreateUser(ctx, p.Id, user.AdminCreateUserInput{Username: "unverified@example.com", MessageAction: "SUPPRESS",
		Attributes: []user.Attribute{{Name: "email", Value: "unverified@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	answer := func(rp *relying, page, form string, fields map[string]string) page {
		c := (&env{}).browser()
		pg := s.startAt(c, rp, p, page)
		if page == "confirm" {
			pg = s.navigate(c, http.MethodGet, pg.url+"&username="+fields["username"], nil)
		}
		return s.submitTo(c, pg, form, fields)
	}
	t.Run("forgot password", func(t *testing.T) {
		known := answer(rp, "forgot", "/forgot", map[string]string{"username": "ann@example.com"})
		for _, name := range []string{"nobody@example.com", "unverified@example.com"} {
			other := answer(rp, "forgot", "/forgot", map[string]string{"username": name})
			if other.status != known.status || csrfStripped(strings.ReplaceAll(other.body, name, "ann@example.com")) != csrfStripped(known.body) {
				t.Errorf("%s got another answer than a known user: %d vs %d\n%s\n----\n%s", name, other.status, known.status, other.body, known.body)
			}
		}
		s.code() // the known user's mail
		// With LEGACY, the app asked to be told.
		if pg := answer(legacy, "forgot", "/forgot", map[string]string{"username": "nobody@example.com"}); pg.status != 400 || !strings.Contains(pg.body, "User does not exist.") {
			t.Errorf("LEGACY: %d\n%s", pg.status, pg.body)
		}
	})
	t.Run("reset with an unknown user", func(t *testing.T) {
		c := (&env{}).browser()
		pg := s.startAt(c, rp, p, "reset")
		pg = s.submit(c, pg, map[string]string{"username": "nobody@example.com", "code": "123456", "password": newPassword, "password_confirm": newPassword})
		if pg.status != 400 || !strings.Contains(pg.body, "This code is not right") {
			t.Errorf("%d\n%s", pg.status, pg.body)
		}
	})
	t.Run("resend", func(t *testing.T) {
		// An unconfirmed user who signed up, one who is confirmed, and nobody.
		c := (&env{}).browser()
		pg := s.startAt(c, rp, p, "signup")
		s.submit(c, pg, signUpFields("una@example.com"))
		s.code()
		known := answer(rp, "confirm", "/confirm/resend", map[string]string{"username": "una@example.com"})
		if known.status != 200 || !strings.Contains(known.body, "we sent it a new code") {
			t.Fatalf("resend: %d\n%s", known.status, known.body)
		}
		s.code()
		for _, name := range []string{"nobody@example.com", "ann@example.com"} {
			other := answer(rp, "confirm", "/confirm/resend", map[string]string{"username": name})
			if other.status != known.status || csrfStripped(strings.ReplaceAll(other.body, name, "una@example.com")) != csrfStripped(known.body) {
				t.Errorf("%s got another answer: %d\n%s", name, other.status, other.body)
			}
		}
	})
	t.Run("confirm an unknown or confirmed user", func(t *testing.T) {
		for _, name := range []string{"nobody@example.com", "ann@example.com"} {
			pg := answer(rp, "confirm", "/confirm", map[string]string{"username": name, "code": "123456"})
			if pg.status != 400 || !strings.Contains(pg.body, "This code is not right") {
				t.Errorf("%s: %d\n%s", name, pg.status, pg.body)
			}
		}
	})
}

func TestFormValidation(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(nil)
	rp := s.relying(p, s.newApp(p, nil))
	tests := []struct {
		name, page, form string
		fields           map[string]string
		status           int
		want             string
	}{
		{"forgot: no identifier", "forgot", "", map[string]string{"username": ""}, 400, "Enter your email address."},
		{"forgot: forged", "forgot", "", map[string]string{"username": "a@example.com", "csrf_token": "x"}, 403, "This form has expired"},
		{"reset: no code", "reset", "", map[string]string{"username": "a@example.com", "password": newPassword, "password_confirm": newPassword}, 400, "Enter the code we sent you."},
		{"reset: code not digits", "reset", "", map[string]string{"username": "a@example.com", "code": "12ab56", "password": newPassword, "password_confirm": newPassword}, 400, "The code is the 6 digits"},
		{"reset: passwords differ", "reset", "", map[string]string{"username": "a@example.com", "code": "123456", "password": newPassword, "password_confirm": "other"}, 400, "The two passwords are different."},
		{"reset: forged", "reset", "", map[string]string{"csrf_token": "x"}, 403, "This form has expired"},
		{"confirm: no identifier", "confirm", "", map[string]string{"code": "123456"}, 400, "Enter your email address."},
		{"confirm: no code", "confirm", "", map[string]string{"username": "a@example.com"}, 400, "Enter the code we sent you."},
		{"confirm: forged", "confirm", "", map[string]string{"username": "a@example.com", "code": "123456", "csrf_token": "x"}, 403, "This form has expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := (&env{}).browser()
			pg := s.startAt(c, rp, p, tt.page)
			pg = s.submitTo(c, pg, tt.form, tt.fields)
			if pg.status != tt.status || !strings.Contains(pg.body, tt.want) {
				t.Fatalf("%d (want %d), want %q:\n%s", pg.status, tt.status, tt.want, pg.body)
			}
		})
	}
	// The steps of a sign-in need the browser that passed the password.
	for _, page := range []string{"newpassword", "profile"} {
		c := (&env{}).browser()
		if pg := s.startAt(c, rp, p, page); pg.status != 400 || !strings.Contains(pg.body, "This step has expired") {
			t.Errorf("%s without a step: %d\n%s", page, pg.status, pg.body)
		}
	}
	// Pages without a pending request explain what to do.
	for _, page := range []string{"signup", "forgot", "reset"} {
		if pg := s.navigate((&env{}).browser(), http.MethodGet, s.srv.URL+"/"+p.Id+"/"+page, nil); pg.status != 400 || !strings.Contains(pg.body, "Go back to the app") {
			t.Errorf("%s without a request: %d", page, pg.status)
		}
	}
}

func TestNewPasswordRequired(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newSite(t, db)
		p := s.newPool(nil)
		rp := s.relying(p, s.newApp(p, nil))
		// An administrator created the user with a temporary password and without the birthdate.
		if _, _, err := s.users.AdminCreateUser(context.Background(), p.Id, user.AdminCreateUserInput{Username: "tim@example.com", TemporaryPassword: password,
			MessageAction: "SUPPRESS", Attributes: []user.Attribute{{Name: "email", Value: "tim@example.com"}, {Name: "email_verified", Value: "true"}, {Name: "given_name", Value: "Tim"}}}); err != nil {
			t.Fatal(err)
		}
		c := (&env{}).browser()
		pg := s.navigate(c, http.MethodGet, rp.authURL("st"), nil)
		pg = s.submit(c, pg, map[string]string{"username": "tim@example.com", "password": password})
		if pg.status != 200 || !strings.Contains(pg.url, "/newpassword?") || !strings.Contains(pg.body, `id="f-birthdate"`) || strings.Contains(pg.body, `id="f-given-name"`) {
			t.Fatalf("new password page: %d %s\n%s", pg.status, pg.url, pg.body)
		}
		bad := s.submit(c, pg, map[string]string{"password": "short", "password_confirm": "short", "birthdate": "2000-01-01"})
		if bad.status != 400 || !strings.Contains(bad.body, `failed">At least 8 characters`) {
			t.Fatalf("weak password: %d\n%s", bad.status, bad.body)
		}
		missing := s.submit(c, pg, map[string]string{"password": newPassword, "password_confirm": newPassword})
		if missing.status != 400 || !strings.Contains(missing.body, "Enter your date of birth.") {
			t.Fatalf("missing attribute: %d\n%s", missing.status, missing.body)
		}
		pg = s.submit(c, pg, map[string]string{"password": newPassword, "password_confirm": newPassword, "birthdate": "2000-01-01"})
		claims := s.tokens(rp, pg.header.Get("Location"), "st")
		if claims["birthdate"] != "2000-01-01" {
			t.Fatalf("claims %v", claims)
		}
	})
}

func TestCompleteProfile(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newSite(t, db)
		p := s.newPool(nil)
		rp := s.relying(p, s.newApp(p, nil))
		s.confirmedUser(p, "pat@example.com", user.Attribute{Name: "given_name", Value: "Pat"})
		c := (&env{}).browser()
		pg := s.navigate(c, http.MethodGet, rp.authURL("st"), nil)
		pg = s.submit(c, pg, map[string]string{"username": "pat@example.com", "password": password})
		if pg.status != 200 || !strings.Contains(pg.url, "/profile?") || !strings.Contains(pg.body, `type="date"`) {
			t.Fatalf("profile page: %d %s\n%s", pg.status, pg.url, pg.body)
		}
		if bad := s.submit(c, pg, map[string]string{"birthdate": ""}); bad.status != 400 || !strings.Contains(bad.body, "Enter your date of birth.") {
			t.Fatalf("empty: %d\n%s", bad.status, bad.body)
		}
		pg = s.submit(c, pg, map[string]string{"birthdate": "1975-12-24"})
		s.tokens(rp, pg.header.Get("Location"), "st")
		// Asked once: the next sign-in goes straight to the app.
		c2 := (&env{}).browser()
		pg = s.navigate(c2, http.MethodGet, rp.authURL("st2"), nil)
		pg = s.submit(c2, pg, map[string]string{"username": "pat@example.com", "password": password})
		s.tokens(rp, pg.header.Get("Location"), "st2")
	})
}

func TestLanguages(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(nil)
	rp := s.relying(p, s.newApp(p, nil))
	c := (&env{}).browser()
	pg := s.navigate(c, http.MethodGet, rp.authURL("st", oauth2.SetAuthURLParam("ui_locales", "fr-CA en")), nil)
	if !strings.Contains(pg.body, `<html lang="fr">`) || !strings.Contains(pg.body, "Mot de passe oublié ?") {
		t.Fatalf("ui_locales=fr:\n%s", pg.body)
	}
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/"+p.Id+"/confirm", nil)
	req.Header.Set("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("confirm page: %d", resp.StatusCode)
	}
}

func TestCognitoPaths(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(nil)
	app := s.newApp(p, nil)
	rp := s.relying(p, app)
	c := (&env{}).browser()
	q := strings.SplitN(rp.authURL("st"), "?", 2)[1]
	for path, want := range map[string]string{"signup": "/signup?", "forgotPassword": "/forgot?"} {
		pg := s.navigate(c, http.MethodGet, s.srv.URL+"/"+p.Id+"/"+path+"?"+q, nil)
		if pg.status != 200 || !strings.Contains(pg.url, want) || !strings.Contains(pg.body, `name="authRequestID"`) {
			t.Errorf("%s: %d %s", path, pg.status, pg.url)
		}
	}
	pg := s.navigate(c, http.MethodGet, s.srv.URL+"/"+p.Id+"/confirmUser?client_id="+app.ClientId+"&user_name=a%40example.com&confirmation_code=123456", nil)
	if pg.status != 200 || !strings.Contains(pg.body, `value="123456"`) || !strings.Contains(pg.body, `value="a@example.com"`) {
		t.Errorf("confirmUser: %d %s\n%s", pg.status, pg.url, pg.body)
	}
	if pg := s.navigate(c, http.MethodGet, s.srv.URL+"/"+p.Id+"/confirm?username=a&code=%3Cscript%3E", nil); pg.status != 400 {
		t.Errorf("a link with a malformed code: %d", pg.status)
	}
}

func TestSignUpWithoutAutoVerification(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(func(p *pool.Pool) { p.AutoVerifiedAttributes = nil })
	rp := s.relying(p, s.newApp(p, nil))
	c := (&env{}).browser()
	pg := s.submit(c, s.startAt(c, rp, p, "signup"), signUpFields("ida@example.com"))
	if pg.status != 200 || !strings.Contains(pg.body, "An administrator must confirm your account") {
		t.Fatalf("%d\n%s", pg.status, pg.body)
	}
	if u, err := s.users.Get(context.Background(), p.Id, "ida@example.com"); err != nil || u.Status != user.StatusUnconfirmed {
		t.Fatalf("user %+v %v", u, err)
	}
	// An administrator-only pool has no sign-up page.
	closed := s.newPool(func(p *pool.Pool) { p.AdminCreateUserConfig.AllowAdminCreateUserOnly = true })
	crp := s.relying(closed, s.newApp(closed, nil))
	c = (&env{}).browser()
	if pg := s.startAt(c, crp, closed, "signup"); pg.status != 403 || !strings.Contains(pg.body, "Sign-up is not available") {
		t.Fatalf("closed pool: %d", pg.status)
	}
	if pg := s.navigate(c, http.MethodGet, crp.authURL("st"), nil); strings.Contains(pg.body, "/signup?") {
		t.Error("the sign-in page of an administrator-only pool links to sign-up")
	}
}

func TestResendThrottled(t *testing.T) {
	s := newSite(t, storagetest.SQLite(t))
	p := s.newPool(nil)
	rp := s.relying(p, s.newApp(p, nil))
	c := (&env{}).browser()
	pg := s.submit(c, s.startAt(c, rp, p, "signup"), signUpFields("rae@example.com"))
	// The sign-up sent one code; four more may be sent within the hour, then the page says wait.
	for i := range user.MaxCodeSends {
		pg = s.submitTo(c, pg, "/confirm/resend", nil)
		want, text := http.StatusOK, "we sent it a new code"
		if i == user.MaxCodeSends-1 {
			want, text = http.StatusTooManyRequests, "Too many attempts"
		}
		if pg.status != want || !strings.Contains(pg.body, text) {
			t.Fatalf("resend %d: %d\n%s", i+1, pg.status, pg.body)
		}
	}
	// The form still works after the refusal: the last code confirms the account.
	var code string
	for range user.MaxCodeSends {
		_, code = s.code()
	}
	pg = s.submit(c, pg, map[string]string{"code": code})
	s.tokens(rp, pg.header.Get("Location"), "st")
}

// An UNCONFIRMED user who signs in with the right password (in another browser than the one
// that signed up, or after the code expired) gets a fresh code and the confirm page, and lands
// in the app once confirmed. A wrong password tells nothing and sends nothing; a throttled
// user still reaches the confirm page, where the last code works.
func TestSignInUnconfirmed(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		s := newSite(t, db)
		p := s.newPool(nil)
		app := s.newApp(p, nil)
		rp := s.relying(p, app)
		ctx := context.Background()
		signUp := func(email string) {
			t.Helper()
			in := user.SignUpInput{Username: email, Password: newPassword, Attributes: []user.Attribute{
				{Name: "email", Value: email}, {Name: "given_name", Value: "Una"}, {Name: "birthdate", Value: "1990-04-01"}}}
			if _, err := s.users.SignUp(ctx, app, in); err != nil {
				t.Fatal(err)
			}
			s.code() // the sign-up's code, never used
		}
		signUp("una@example.com")

		c := (&env{}).browser()
		pg := s.navigate(c, http.MethodGet, rp.authURL("st1"), nil)
		wrong := s.submit(c, pg, map[string]string{"username": "una@example.com", "password": "Wr0ng-Passw0rd!"})
		if wrong.status != http.StatusUnauthorized || !strings.Contains(wrong.body, "Incorrect") {
			t.Fatalf("wrong password: %d\n%s", wrong.status, wrong.body)
		}
		pg = s.submit(c, wrong, map[string]string{"username": "una@example.com", "password": newPassword})
		if pg.status != http.StatusOK || !strings.Contains(pg.url, "/confirm?") || !strings.Contains(pg.body, "u***@e***") {
			t.Fatalf("unconfirmed sign-in: %d %s\n%s", pg.status, pg.url, pg.body)
		}
		to, code := s.code()
		if to != "una@example.com" {
			t.Fatalf("code sent to %q", to)
		}
		pg = s.submit(c, pg, map[string]string{"code": code})
		claims := s.tokens(rp, pg.header.Get("Location"), "st1")
		if claims["email"] != "una@example.com" || claims["email_verified"] != true {
			t.Fatalf("claims %v", claims)
		}

		// Throttled: the sign-up and four resends used up the sends of the window.
		signUp("ray@example.com")
		for range user.MaxCodeSends - 1 {
			if _, err := s.users.ResendConfirmationCode(ctx, app, "ray@example.com"); err != nil {
				t.Fatal(err)
			}
			_, code = s.code()
		}
		c = (&env{}).browser()
		pg = s.navigate(c, http.MethodGet, rp.authURL("st2"), nil)
		pg = s.submit(c, pg, map[string]string{"username": "ray@example.com", "password": newPassword})
		if pg.status != http.StatusOK || !strings.Contains(pg.url, "/confirm?") {
			t.Fatalf("throttled unconfirmed sign-in: %d %s\n%s", pg.status, pg.url, pg.body)
		}
		pg = s.submit(c, pg, map[string]string{"code": code})
		s.tokens(rp, pg.header.Get("Location"), "st2")
	})
}
