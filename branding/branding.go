// Package branding holds the look of a pool's hosted pages — Cognito's UI customization: a
// logo, custom CSS limited to an allow-list, and (beyond Cognito) colours, a page title and
// footer links — per pool, optionally overridden per app client.
package branding

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/userpool/userpool/errs"
	"github.com/userpool/userpool/pool"
)

// AllClients is the ClientId of a pool's default customization, as Cognito names it.
const AllClients = "ALL"

// Limits.
const (
	MaxImageBytes   = 100 << 10
	MaxTitleLength  = 100
	MaxFooterLinks  = 5
	MaxLinkText     = 60
	MaxLinkURLBytes = 2048
)

// Image types accepted for logos. SVG is refused: it can carry scripts.
const (
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
)

// Customization is a pool's (ClientID AllClients) or a client's look.
type Customization struct {
	PoolID   string
	ClientID string
	// CSS is the sanitized custom CSS (see SanitizeCSS).
	CSS string
	// Image is the logo (PNG or JPEG), ImageType its media type; empty for none.
	Image     []byte
	ImageType string
	// PrimaryColor and BackgroundColor are "#rrggbb" or "".
	PrimaryColor    string
	BackgroundColor string
	// PageTitle replaces the pool's name in the header and the window title.
	PageTitle   string
	FooterLinks []FooterLink
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Version changes whenever the customization does; page URLs carry it so browsers can cache
// the style sheet and logo.
func (c *Customization) Version() string { return fmt.Sprintf("%d", c.UpdatedAt.UnixNano()) }

// FooterLink is a link in the footer of the pages (terms, privacy policy, help).
type FooterLink struct {
	Text string `json:"Text"`
	URL  string `json:"Url"`
}

// Store keeps customizations.
type Store interface {
	// GetCustomization returns the customization of poolID/clientID, or nil when there is none.
	GetCustomization(ctx context.Context, poolID, clientID string) (*Customization, error)
	// PutCustomization creates or replaces c (keeping CreatedAt of the one it replaces).
	PutCustomization(ctx context.Context, c *Customization) error
}

// Pools is what the service needs of the pool service.
type Pools interface {
	GetPool(ctx context.Context, id string) (*pool.Pool, error)
	GetClient(ctx context.Context, poolID, clientID string) (*pool.Client, error)
}

// Service validates and stores customizations.
type Service struct {
	Store Store
	Pools Pools
	Now   func() time.Time
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Set validates in and stores it: the pool (and the client, unless ClientID is "" or
// AllClients) must exist; the CSS is sanitized; the image must be a PNG or JPEG of at most
// MaxImageBytes. It returns what was stored.
func (s *Service) Set(ctx context.Context, in Customization) (*Customization, error) {
	if _, err := s.Pools.GetPool(ctx, in.PoolID); err != nil {
		return nil, err
	}
	if in.ClientID == "" {
		in.ClientID = AllClients
	}
	if in.ClientID != AllClients {
		if _, err := s.Pools.GetClient(ctx, in.PoolID, in.ClientID); err != nil {
			return nil, err
		}
	}
	css, err := SanitizeCSS(in.CSS)
	if err != nil {
		return nil, err
	}
	in.CSS = css
	if len(in.Image) > 0 {
		if in.ImageType, err = imageType(in.Image); err != nil {
			return nil, err
		}
	} else {
		in.ImageType = ""
	}
	for name, c := range map[string]*string{"PrimaryColor": &in.PrimaryColor, "BackgroundColor": &in.BackgroundColor} {
		if *c != "" && !colorRE.MatchString(*c) {
			return nil, errs.New(errs.InvalidParameter, "%s must be a colour like #1d4ed8.", name)
		}
		*c = strings.ToLower(*c)
	}
	if in.PageTitle = strings.TrimSpace(in.PageTitle); utf8.RuneCountInString(in.PageTitle) > MaxTitleLength {
		return nil, errs.New(errs.InvalidParameter, "PageTitle must be at most %d characters long.", MaxTitleLength)
	}
	if len(in.FooterLinks) > MaxFooterLinks {
		return nil, errs.New(errs.InvalidParameter, "At most %d FooterLinks are allowed.", MaxFooterLinks)
	}
	for _, l := range in.FooterLinks {
		if err := checkLink(l); err != nil {
			return nil, err
		}
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	in.UpdatedAt = now().UTC()
	in.CreatedAt = in.UpdatedAt
	if err := s.Store.PutCustomization(ctx, &in); err != nil {
		return nil, fmt.Errorf("set UI customization: %w", err)
	}
	return &in, nil
}

// Get returns the customization of the pool's client, falling back to the pool's default;
// nil when neither exists. clientID "" or AllClients asks for the pool's default.
func (s *Service) Get(ctx context.Context, poolID, clientID string) (*Customization, error) {
	if clientID != "" && clientID != AllClients {
		c, err := s.Store.GetCustomization(ctx, poolID, clientID)
		if err != nil || c != nil {
			return c, err
		}
	}
	return s.Store.GetCustomization(ctx, poolID, AllClients)
}

func checkLink(l FooterLink) error {
	if t := strings.TrimSpace(l.Text); t == "" || utf8.RuneCountInString(t) > MaxLinkText {
		return errs.New(errs.InvalidParameter, "FooterLinks: each link needs a Text of 1-%d characters.", MaxLinkText)
	}
	u, err := url.Parse(l.URL)
	if err != nil || len(l.URL) > MaxLinkURLBytes || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errs.New(errs.InvalidParameter, "FooterLinks: %q is not an absolute http or https URL.", l.URL)
	}
	return nil
}

// imageType returns the media type of a logo from its first bytes: PNG or JPEG only.
func imageType(b []byte) (string, error) {
	if len(b) > MaxImageBytes {
		return "", errs.New(errs.InvalidParameter, "ImageFile must be at most %d bytes.", MaxImageBytes)
	}
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, nil
	}
	return "", errs.New(errs.InvalidParameter, "ImageFile must be a PNG or JPEG image (SVG is not accepted).")
}

// StyleSheet returns the pool's generated style sheet: the colours as the pages' CSS custom
// properties (with a text colour on the primary colour chosen for contrast), then the custom
// CSS. Every part was validated by Set, so the sheet holds nothing else.
func (c *Customization) StyleSheet() string {
	var b strings.Builder
	b.WriteString("/* Generated from the pool's UI customization. */\n")
	if c.PrimaryColor != "" || c.BackgroundColor != "" {
		b.WriteString(":root {")
		if c.PrimaryColor != "" {
			fmt.Fprintf(&b, " --primary: %s; --primary-hover: %s; --primary-text: %s;", c.PrimaryColor, shade(c.PrimaryColor), textOn(c.PrimaryColor))
		}
		if c.BackgroundColor != "" {
			fmt.Fprintf(&b, " --bg: %s;", c.BackgroundColor)
		}
		b.WriteString(" }\n")
	}
	b.WriteString(c.CSS)
	return b.String()
}

func rgb(hex string) (r, g, b float64) {
	var ri, gi, bi int
	_, _ = fmt.Sscanf(hex, "#%02x%02x%02x", &ri, &gi, &bi)
	return float64(ri), float64(gi), float64(bi)
}

// luminance is the WCAG relative luminance of a #rrggbb colour.
func luminance(hex string) float64 {
	lin := func(c float64) float64 {
		c /= 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	r, g, b := rgb(hex)
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// textOn picks white or near-black text for a background, whichever contrasts more.
func textOn(bg string) string {
	l := luminance(bg)
	if (1.05)/(l+0.05) >= (l+0.05)/(0.05) {
		return "#ffffff"
	}
	return "#111827"
}

// shade darkens a colour by 15% for the hover state.
func shade(hex string) string {
	r, g, b := rgb(hex)
	return fmt.Sprintf("#%02x%02x%02x", int(r*0.85), int(g*0.85), int(b*0.85))
}

// LogoPath is the path (under the server's public URL) where the hosted pages serve the logo;
// the version makes a changed logo a new URL.
func (c *Customization) LogoPath() string {
	if len(c.Image) == 0 {
		return ""
	}
	return "/" + c.PoolID + "/logo?client=" + url.QueryEscape(c.ClientID) + "&v=" + c.Version()
}

// StylePath is the path of the generated style sheet (see StyleSheet).
func (c *Customization) StylePath() string {
	return "/" + c.PoolID + "/branding.css?client=" + url.QueryEscape(c.ClientID) + "&v=" + c.Version()
}
