package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// multipartPost posts a multipart form (with the browser's CSRF token) and an optional logo.
func (c *console) multipartPost(b *http.Client, path string, values url.Values, logo []byte) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", c.csrf(b))
	for k, vs := range values {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if logo != nil {
		fw, _ := mw.CreateFormFile("logo", "logo.png")
		_, _ = fw.Write(logo)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL.String(), body: string(raw), header: resp.Header}
}

// wantFieldError checks that p refused the form with the error shown next to the field id.
func wantFieldError(t *testing.T, p page, id, text string) {
	t.Helper()
	// The factor buttons' error ("mfa") has no input to mark.
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="`+id+`-error"`) || !strings.Contains(p.body, text) ||
		id != "mfa" && !strings.Contains(p.body, `aria-invalid="true" aria-describedby="`+id+`-error"`) && !strings.Contains(p.body, id+`-error" aria-invalid="true"`) {
		t.Fatalf("want the error %q next to %s: %d %s", text, id, p.status, p.body)
	}
}

var png = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

func TestBrandingPage(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		c := newConsole(t, db)
		ctx := context.Background()
		b := c.operator()
		pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "Shop"})
		if err != nil {
			t.Fatal(err)
		}
		base := "/admin/pools/" + pl.Id + "/branding"
		brands := &branding.Service{Store: c.store, Pools: c.pools}
		if p := c.get(b, base); p.status != http.StatusOK || !strings.Contains(p.body, "default look") || !strings.Contains(p.body, `enctype="multipart/form-data"`) {
			t.Fatalf("branding page: %d %s", p.status, p.body)
		}
		good := url.Values{"primary_color": {"#0F766E"}, "background_color": {""}, "page_title": {`Shop <script>alert(1)</script>`},
			"link_text": {"Terms", "", "", "", ""}, "link_url": {"https://shop.example/terms", "", "", "", ""},
			"css": {".banner-customizable { background-color: #0f766e; }"}}
		p := c.multipartPost(b, base, good, png)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Saved.") {
			t.Fatalf("save: %d %s", p.status, p.body)
		}
		saved, err := brands.Get(ctx, pl.Id, branding.AllClients)
		if err != nil || saved == nil || saved.PrimaryColor != "#0f766e" || saved.PageTitle != `Shop <script>alert(1)</script>` ||
			len(saved.FooterLinks) != 1 || saved.ImageType != branding.TypePNG || !strings.Contains(saved.CSS, "banner-customizable") {
			t.Fatalf("stored: %+v %v", saved, err)
		}
		if strings.Contains(p.body, "<script>alert(1)") || !strings.Contains(p.body, "&lt;script&gt;alert(1)") || !strings.Contains(p.body, "/"+pl.Id+"/logo?") {
			t.Fatalf("the page does not show the branding escaped, with its logo: %s", p.body)
		}
		// The preview is the hosted sign-in page with the pool's style sheet, logo and title, escaped.
		p = c.get(b, base+"/preview")
		if p.status != http.StatusOK || !strings.Contains(p.body, "/"+pl.Id+"/branding.css?") || !strings.Contains(p.body, "/"+pl.Id+"/logo?") ||
			strings.Contains(p.body, "<script>alert(1)") || !strings.Contains(p.body, "&lt;script&gt;") || !strings.Contains(p.body, "https://shop.example/terms") ||
			!strings.HasPrefix(p.header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("preview: %d %s", p.status, p.body)
		}
		if css := c.get(b, "/"+pl.Id+"/branding.css?client=ALL"); !strings.Contains(css.body, "--primary: #0f766e") {
			t.Fatalf("hosted style sheet: %s", css.body)
		}

		// Bad input: shown next to its field, and nothing changes.
		with := func(k, v string) url.Values {
			out := url.Values{}
			for kk, vv := range good {
				out[kk] = vv
			}
			out.Set(k, v)
			return out
		}
		for _, tc := range []struct {
			name  string
			form  url.Values
			logo  []byte
			field string
			text  string
		}{
			{"colour", with("primary_color", "red"), nil, "primary_color", "PrimaryColor must be a colour"},
			{"css outside the allow-list", with("css", "body { background: url(https://evil.example/x.png) }"), nil, "css", "CSS: "},
			{"title too long", with("page_title", strings.Repeat("x", 101)), nil, "page_title", "PageTitle must be at most"},
			{"footer link", with("link_url", "javascript:alert(1)"), nil, "footer_links", "FooterLinks:"},
			{"logo that is not an image", good, []byte("<svg onload=alert(1)>"), "logo", "PNG or JPEG"},
			{"logo too large", good, append(slices.Clone(png), make([]byte, branding.MaxImageBytes)...), "logo", "at most 100 KB"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := c.multipartPost(b, base, tc.form, tc.logo)
				wantFieldError(t, p, tc.field, tc.text)
				if strings.Contains(p.body, "<script>alert(1)") {
					t.Fatalf("unescaped input on the page: %s", p.body)
				}
				now, err := brands.Get(ctx, pl.Id, branding.AllClients)
				if err != nil || !now.UpdatedAt.Equal(saved.UpdatedAt) || now.PrimaryColor != saved.PrimaryColor || !bytes.Equal(now.Image, saved.Image) {
					t.Fatalf("a refused form changed the branding: %+v %v", now, err)
				}
			})
		}
		// Removing the logo keeps the rest.
		if p = c.multipartPost(b, base, with("remove_logo", "true"), nil); !strings.Contains(p.body, "Saved.") {
			t.Fatalf("remove logo: %d %s", p.status, p.body)
		}
		if now, _ := brands.Get(ctx, pl.Id, branding.AllClients); len(now.Image) != 0 || now.PrimaryColor != "#0f766e" {
			t.Fatalf("after removing the logo: %+v", now)
		}
	})
}

func TestTriggersPage(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		c := newConsole(t, db)
		ctx := context.Background()
		b := c.operator()
		// A webhook that accepts every event: it answers with the event, as a Lambda does.
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var ev map[string]any
			_ = json.NewDecoder(r.Body).Decode(&ev)
			_ = json.NewEncoder(w).Encode(ev)
		}))
		t.Cleanup(hook.Close)
		pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "Shop"})
		if err != nil {
			t.Fatal(err)
		}
		base := "/admin/pools/" + pl.Id + "/triggers"
		if p := c.get(b, base); p.status != http.StatusOK || !strings.Contains(p.body, "No invocation yet.") {
			t.Fatalf("triggers page: %d %s", p.status, p.body)
		}
		p := c.submit(b, c.get(b, base), "/triggers", url.Values{"url.PreSignUp": {hook.URL + "/pre"}, "url.PreTokenGeneration": {hook.URL + "/token"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "New signing secrets") || strings.Count(p.body, `class="secret">whsec_`) != 2 {
			t.Fatalf("save URLs: %d %s", p.status, p.body)
		}
		got, _ := c.pools.GetPool(ctx, pl.Id)
		if got.TriggerURL(pool.TriggerPreSignUp) != hook.URL+"/pre" || got.TriggerURL(pool.TriggerPreTokenGeneration) != hook.URL+"/token" {
			t.Fatalf("stored: %+v", got.LambdaConfig)
		}
		if s, err := c.store.TriggerSecrets(ctx, pl.Id, pool.TriggerPreSignUp); err != nil || s == nil || !strings.Contains(html.UnescapeString(p.body), s.Current) {
			t.Fatalf("the secret shown is not the stored one: %+v %v", s, err)
		}
		// The secret is shown once: not on the next visit.
		if p = c.get(b, base); strings.Contains(p.body, "whsec_") || !strings.Contains(p.body, "Rotate secret") {
			t.Fatalf("the secret is shown again: %s", p.body)
		}
		// Rotation: a new secret, shown once; the previous one still signs for a while.
		old, _ := c.store.TriggerSecrets(ctx, pl.Id, pool.TriggerPreSignUp)
		p = c.confirmed(b, c.submit(b, c.get(b, base), "/triggers/PreSignUp", url.Values{"op": {"rotate"}}))
		now, _ := c.store.TriggerSecrets(ctx, pl.Id, pool.TriggerPreSignUp)
		if now.Current == old.Current || now.Previous != old.Current || !strings.Contains(html.UnescapeString(p.body), now.Current) || !strings.Contains(p.body, "the previous one signs too") {
			t.Fatalf("rotate: %+v %s", now, p.body)
		}
		// A test event reaches the webhook and shows up in the log.
		p = c.submit(b, c.get(b, base), "/triggers/PreSignUp", url.Values{"op": {"test"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, "Test event sent to PreSignUp") || !strings.Contains(p.body, "succeeded (HTTP 200)") ||
			!strings.Contains(p.body, "PreSignUp_SignUp") {
			t.Fatalf("test event: %d %s", p.status, p.body)
		}
		if p = c.get(b, base); strings.Contains(p.body, "No invocation yet.") || !strings.Contains(p.body, "<td>PreSignUp</td>") {
			t.Fatalf("invocation log: %s", p.body)
		}

		// Bad URLs: the error next to the field, the submitted value kept (escaped), nothing changed.
		for _, tc := range []struct {
			name, trigger, value, text string
		}{
			{"scheme", "PreSignUp", "ftp://hooks.example/x", "the scheme must be https or http"},
			{"ARN", "CustomMessage", "arn:aws:lambda:us-east-1:1:function:f", "Lambda ARNs cannot be invoked"},
			{"markup", "PostConfirmation", `javascript:"><script>alert(1)</script>`, "LambdaConfig.PostConfirmation"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := c.submit(b, c.get(b, base), "/triggers", url.Values{"url.PreSignUp": {hook.URL + "/pre"}, "url." + tc.trigger: {tc.value}})
				wantFieldError(t, p, "url-"+tc.trigger, tc.text)
				if strings.Contains(p.body, "<script>alert(1)") {
					t.Fatalf("unescaped URL: %s", p.body)
				}
				after, _ := c.pools.GetPool(ctx, pl.Id)
				if after.TriggerURL(tc.trigger) != got.TriggerURL(tc.trigger) || after.TriggerURL(pool.TriggerPreTokenGeneration) != hook.URL+"/token" {
					t.Fatalf("a refused form changed the triggers: %+v", after.LambdaConfig)
				}
			})
		}
		// A URL with markup in its path is a valid URL: stored, and shown escaped.
		evil := hook.URL + `/x?a="><script>alert(1)</script>`
		p = c.submit(b, c.get(b, base), "/triggers", url.Values{"url.PreSignUp": {evil}, "url.PreTokenGeneration": {hook.URL + "/token"}})
		if p.status != http.StatusOK || strings.Contains(p.body, "<script>alert(1)") || !strings.Contains(p.body, "&lt;script&gt;") {
			t.Fatalf("URL with markup: %d %s", p.status, p.body)
		}
		// Test and rotate of a trigger that is not configured, or not a trigger.
		if p = c.submit(b, c.get(b, base), "/triggers/PreSignUp", url.Values{"op": {"nope"}}); p.status != http.StatusBadRequest {
			t.Fatalf("unknown op: %d", p.status)
		}
		if p = c.do(b, http.MethodPost, base+"/UserMigration", url.Values{"csrf_token": {c.csrf(b)}, "op": {"test"}}); p.status != http.StatusBadRequest {
			t.Fatalf("test of an unconfigured trigger: %d %s", p.status, p.body)
		}
		if p = c.do(b, http.MethodPost, base+"/Nope", url.Values{"csrf_token": {c.csrf(b)}, "op": {"test"}}); p.status != http.StatusBadRequest {
			t.Fatalf("test of no trigger: %d %s", p.status, p.body)
		}
	})
}

func TestMFAAndResetPages(t *testing.T) {
	storagetest.EachDatabase(t, func(t *testing.T, db storagetest.Database) {
		c := newConsole(t, db)
		ctx := context.Background()
		b := c.operator()
		pl, err := c.pools.CreatePool(ctx, &pool.Pool{Name: "Shop", AutoVerifiedAttributes: []string{"email"}})
		if err != nil {
			t.Fatal(err)
		}
		base := "/admin/pools/" + pl.Id

		// The pool's MFA: a refused form shows the error by its field and changes nothing.
		p := c.submit(b, c.get(b, base+"/mfa"), "/mfa", url.Values{"configuration": {"ON"}})
		wantFieldError(t, p, "factors", "needs at least one")
		p = c.submit(b, c.get(b, base+"/mfa"), "/mfa", url.Values{"configuration": {"OPTIONAL"}, "factor": {"EMAIL_OTP"}, "sms_message": {"no code here"}})
		wantFieldError(t, p, "sms_message", "{####}")
		p = c.submit(b, c.get(b, base+"/mfa"), "/mfa", url.Values{"configuration": {"SOMETIMES"}, "factor": {"EMAIL_OTP"}})
		wantFieldError(t, p, "configuration", "MfaConfiguration must be")
		if got, _ := c.pools.GetPool(ctx, pl.Id); got.MfaConfiguration != pool.MfaOff {
			t.Fatalf("a refused form changed the MFA: %s", got.MfaConfiguration)
		}
		p = c.submit(b, c.get(b, base+"/mfa"), "/mfa", url.Values{"configuration": {"OPTIONAL"}, "factor": {"EMAIL_OTP", "SOFTWARE_TOKEN_MFA"}, "sms_message": {"Code: {####}"}})
		if !strings.Contains(p.body, "Saved.") {
			t.Fatalf("save MFA: %d %s", p.status, p.body)
		}
		got, _ := c.pools.GetPool(ctx, pl.Id)
		if got.MfaConfiguration != pool.MfaOptional || !got.MfaFactors.Email || !got.MfaFactors.SoftwareToken || got.MfaFactors.SMS || got.Templates().MFA.SMS != "Code: {####}" {
			t.Fatalf("stored MFA: %s %+v", got.MfaConfiguration, got.MfaFactors)
		}

		// A user's MFA: turn email codes on and off, reset.
		u, _, err := c.users.AdminCreateUser(ctx, pl.Id, user.AdminCreateUserInput{Username: "ann", MessageAction: "SUPPRESS",
			Attributes: []user.Attribute{{Name: "email", Value: "ann@example.com"}, {Name: "email_verified", Value: "true"}}})
		if err != nil {
			t.Fatal(err)
		}
		userURL := base + "/users/" + u.Sub
		p = c.get(b, userURL)
		if !strings.Contains(p.body, "<h2>MFA</h2>") || !strings.Contains(p.body, `name="enable" value="EMAIL_OTP"`) || strings.Contains(p.body, `name="enable" value="SMS_MFA"`) {
			t.Fatalf("user MFA section: %s", p.body)
		}
		p = c.submit(b, p, "/mfa", url.Values{"enable": {"EMAIL_OTP"}})
		if now, _ := c.users.Get(ctx, pl.Id, "ann"); !slices.Contains(now.MFA.Enabled, "EMAIL_OTP") || !strings.Contains(p.body, "Saved.") {
			t.Fatalf("enable email MFA: %+v %s", now.MFA, p.body)
		}
		// The authenticator app cannot be turned on for the user: they must set it up.
		p = c.do(b, http.MethodPost, userURL+"/mfa", url.Values{"csrf_token": {c.csrf(b)}, "enable": {"SOFTWARE_TOKEN_MFA"}})
		wantFieldError(t, p, "mfa", "set up an authenticator app first")
		// Reset without the confirmation changes nothing.
		p = c.do(b, http.MethodPost, userURL+"/mfa", url.Values{"csrf_token": {c.csrf(b)}, "reset": {"all"}})
		wantFieldError(t, p, "mfa-confirm", "Tick the box")
		if now, _ := c.users.Get(ctx, pl.Id, "ann"); !slices.Contains(now.MFA.Enabled, "EMAIL_OTP") {
			t.Fatal("an unconfirmed reset removed the user's MFA")
		}
		p = c.submit(b, c.get(b, userURL), "/mfa", url.Values{"reset": {"all"}, "confirm": {"yes"}})
		if now, _ := c.users.Get(ctx, pl.Id, "ann"); len(now.MFA.Enabled) != 0 || !strings.Contains(p.body, "MFA is reset.") {
			t.Fatalf("reset MFA: %+v %s", now.MFA, p.body)
		}

		// Reset password: RESET_REQUIRED; refused for a user with a temporary password.
		p = c.confirmed(b, c.submit(b, c.get(b, userURL), "/action", url.Values{"action": {"reset"}}))
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "cannot be reset in the current state") {
			t.Fatalf("reset of a user with a temporary password: %d %s", p.status, p.body)
		}
		if err := c.users.AdminSetPassword(ctx, pl.Id, "ann", "Ann-Passw0rd-1!", true); err != nil {
			t.Fatal(err)
		}
		p = c.confirmed(b, c.submit(b, c.get(b, userURL), "/action", url.Values{"action": {"reset"}}))
		if now, _ := c.users.Get(ctx, pl.Id, "ann"); now.Status != user.StatusResetRequired || !strings.Contains(p.body, "The password is reset") {
			t.Fatalf("reset password: %s %s", now.Status, p.body)
		}

		// Set password: a weak one is shown next to the field.
		p = c.submit(b, c.get(b, userURL), "/password", url.Values{"password": {"weak"}, "permanent": {"true"}})
		wantFieldError(t, p, "password", "assword")
		if now, _ := c.users.Get(ctx, pl.Id, "ann"); now.Status != user.StatusResetRequired {
			t.Fatalf("a refused password changed the user: %s", now.Status)
		}
	})
}
