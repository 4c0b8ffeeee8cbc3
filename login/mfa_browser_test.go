package login_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// TOTP in Chromium: enrolment at the first sign-in (the QR code loads as an image under the
// pages' CSP), the recovery codes, then a sign-in with a code computed from the secret.
func TestBrowserTOTP(t *testing.T) {
	browser := chromium(t)
	s := newSite(t, storagetest.SQLite(t))
	s.callback = appServer(t)
	p := s.newPool(func(p *pool.Pool) {
		p.MfaConfiguration = pool.MfaOn
		p.MfaFactors = pool.MfaFactors{SoftwareToken: true}
	})
	rp := s.relying(p, s.newApp(p, nil))
	s.confirmedUser(p, "ann@example.com", user.Attribute{Name: "given_name", Value: "Ann"}, user.Attribute{Name: "birthdate", Value: "1980-02-03"})
	code := func(secret string, at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	tb := newTab(t, browser)
	tb.Do(chromedp.Navigate(rp.authURL("st1")), chromedp.WaitVisible(chromedp.ID("username")))
	tb.fill(map[string]string{"username": "ann@example.com", "password": password}, "figure.qr img")
	w, err := chromedp.Run(tb.Ctx, chromedp.Poll[string](`(() => { const i = document.querySelector("figure.qr img");
		return i.complete && i.naturalWidth > 0 ? String(i.naturalWidth) : false })()`))
	if err != nil || w != "256" {
		t.Fatalf("QR code image width %q: %v", w, err)
	}
	tb.Shot("mfa-setup")
	secret := strings.TrimSpace(tb.Eval(`document.querySelector(".secret-key").textContent`))
	now := time.Now()
	tb.fill(map[string]string{"code": code(secret, now)}, ".recovery-codes")
	tb.Shot("mfa-recovery-codes")
	if n := tb.Eval(`String(document.querySelectorAll(".recovery-codes li").length)`); n != "10" {
		t.Fatalf("%s recovery codes", n)
	}
	tb.Do(chromedp.Click(chromedp.CSS("#main form button.primary")), chromedp.WaitVisible(chromedp.ID("app-done")))
	claims := s.tokens(rp, tb.Location(), "st1")
	if amr, _ := claims["amr"].([]any); len(amr) != 3 || amr[2] != "mfa" {
		t.Fatalf("amr %v", claims["amr"])
	}

	// A new browser: password, then the next code of the authenticator app.
	tb2 := newTab(t, browser)
	tb2.Do(chromedp.Navigate(rp.authURL("st2")), chromedp.WaitVisible(chromedp.ID("username")))
	tb2.fill(map[string]string{"username": "ann@example.com", "password": password}, "#code")
	tb2.Shot("mfa-code")
	tb2.fill(map[string]string{"code": code(secret, now.Add(mfa.TOTPPeriod))}, "#app-done")
	s.tokens(rp, tb2.Location(), "st2")
}
