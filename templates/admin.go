package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/userpool/userpool/audit"
	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/keys"
	"github.com/userpool/userpool/message"
	"github.com/userpool/userpool/mfa"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
)

// The admin console's pages live in html/admin: their own layout (a wide page with a
// navigation bar) in the hosted pages' colours (static/admin.css).

//go:embed html/admin/*.html
var adminFS embed.FS

// Admin page names.
const (
	AdminPageDashboard = "dashboard"
	AdminPageMessage   = "message"
	AdminPagePools     = "pools"
	AdminPagePool      = "pool"
	AdminPageTemplates = "templates"
	AdminPageKeys      = "keys"
	AdminPageApps      = "apps"
	AdminPageApp       = "app"
	AdminPageUsers     = "users"
	AdminPageUser      = "user"
	AdminPageGroups    = "groups"
	AdminPageGroup     = "group"
	AdminPageMessages  = "messages"
	AdminPageBranding  = "branding"
	AdminPageTriggers  = "triggers"
	AdminPageMFA       = "mfa"
	AdminPageConfirm   = "confirm"
	AdminPageAudit     = "audit"
)

var adminPages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"static": func(name string) string { return StaticPath + name },
		"date":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"join":   strings.Join,
		"ms":     func(d time.Duration) int64 { return d.Milliseconds() },
		"list":   func(v ...string) []string { return v },
		"lines":  func(v []string) string { return strings.Join(v, "\n") },
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
	}
	out := map[string]*template.Template{}
	for _, name := range []string{AdminPageDashboard, AdminPageMessage, AdminPagePools, AdminPagePool, AdminPageTemplates,
		AdminPageKeys, AdminPageApps, AdminPageApp, AdminPageUsers, AdminPageUser, AdminPageGroups, AdminPageGroup, AdminPageMessages,
		AdminPageBranding, AdminPageTriggers, AdminPageMFA, AdminPageConfirm, AdminPageAudit} {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(adminFS, "html/admin/layout.html", "html/admin/"+name+".html"))
	}
	return out
}()

// RenderAdmin renders the console page name with data (one of the Admin view models).
func RenderAdmin(name string, data any) ([]byte, error) {
	t, ok := adminPages[name]
	if !ok {
		return nil, fmt.Errorf("render: no admin page %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render admin %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// AdminBase is what every console page has.
type AdminBase struct {
	Title string
	// Operator is the signed-in operator's username ("" on pages shown signed out).
	Operator string
	CSRF     string
	// Alert is an error about the page's form; Notice says that an action succeeded.
	Alert  string
	Notice string
	// Details lists what the alert is about (alias conflicts, invalid fields).
	Details []string
	// Pool is the pool the page is about (the second navigation bar), nil for none.
	Pool *pool.Pool
	// Tab is the pool page's current tab ("settings", "apps", "users", ...).
	Tab string
	// SystemPoolID is the operators' pool, linked as "Operators".
	SystemPoolID string
	// Errors are the form's field errors by field name, shown next to their fields.
	Errors map[string]string
	// Form is what a refused form sent, so that it is shown again as typed.
	Form url.Values
}

// AdminField is a form field's id and error, for the "invalid" and "field-error" templates.
type AdminField struct {
	ID, Error string
}

// FieldError is the error of the field with the id ("" for none).
func (b AdminBase) FieldError(id string) string { return b.Errors[id] }

// Field returns the field with the id and its error ("" for none).
func (b AdminBase) Field(id string) AdminField { return AdminField{ID: id, Error: b.Errors[id]} }

// AdminMessage is a page that explains something (signed out, forbidden, an error).
type AdminMessage struct {
	AdminBase
	Paragraphs []string
	Next       *Link
}

// AdminPoolRow is one pool in a list.
type AdminPoolRow struct {
	Pool  *pool.Pool
	Users int64
}

// ChartPoint is one point of a series, in the SVG's coordinates.
type ChartPoint struct {
	X, Y  int
	Label string // the day and the count, shown as the point's tooltip
}

// ChartSeries is one line of the chart.
type ChartSeries struct {
	Name   string
	Class  string // the CSS class that colours it
	Points []ChartPoint
	Total  int64
}

// Polyline is the series as an SVG points attribute.
func (s ChartSeries) Polyline() string {
	var b strings.Builder
	for i, p := range s.Points {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d,%d", p.X, p.Y)
	}
	return b.String()
}

// ChartTick is a label on an axis.
type ChartTick struct {
	X, Y int
	Text string
}

// Chart is a line chart drawn as server-side SVG.
type Chart struct {
	Width, Height int
	// Left, Top, Right and Bottom are the plot area's edges.
	Left, Top, Right, Bottom int
	Series                   []ChartSeries
	XTicks, YTicks           []ChartTick
	// Summary describes the chart in words (its accessible name).
	Summary string
	// Days are the counts in a table, for screen readers and without SVG.
	Days []user.DayActivity
}

// AdminDashboard is the start page.
type AdminDashboard struct {
	AdminBase
	Pools []AdminPoolRow
	More  string // cursor of the next page of pools
	// Selected is the pool whose chart is shown (nil when there are no pools).
	Selected *pool.Pool
	Chart    *Chart
}

// AdminPools lists pools and offers to create one.
type AdminPools struct {
	AdminBase
	Pools []AdminPoolRow
	Next  string
	Name  string // the create form's value
}

// AdminPool is a pool's settings page.
type AdminPool struct {
	AdminBase
	Users int64
	// Standard lists the standard attributes (for the required and alias checkboxes).
	Standard []pool.SchemaAttribute
	Custom   []pool.SchemaAttribute
	// Recovery is the current account recovery choice (see RecoveryChoices).
	Recovery        string
	RecoveryChoices []Choice
}

// Choice is one option of a select.
type Choice struct {
	Value, Text string
}

// AdminTemplateSlot is one message type's template in the editor.
type AdminTemplateSlot struct {
	Type     message.Type
	Name     string
	Template message.Template
}

// AdminTemplates edits the pool's message templates and previews one.
type AdminTemplates struct {
	AdminBase
	EmailOption message.EmailOption
	Slots       []AdminTemplateSlot
	// Preview is the rendered message of PreviewType (nil when none was asked for).
	PreviewType message.Type
	Preview     *message.Content
	PreviewSMS  string
}

// AdminKey is one signing key with its state.
type AdminKey struct {
	Key   keys.Key
	State string // "current", "next", "retiring"
}

// AdminKeys shows a pool's signing keys.
type AdminKeys struct {
	AdminBase
	Keys []AdminKey
}

// AdminApps lists a pool's app clients.
type AdminApps struct {
	AdminBase
	Apps []*pool.Client
	Next string
}

// AdminApp is an app client's page (Client nil: the create form).
type AdminApp struct {
	AdminBase
	Client *pool.Client
	// Draft is what a refused create form sent, shown again in the form.
	Draft *pool.Client
	// ShowSecret is set on the page that shows a new or asked-for secret.
	ShowSecret bool
	// AuthFlows and OAuthFlows are the checkbox choices.
	AuthFlows  []string
	OAuthFlows []string
	Units      []string
}

// AdminUsers lists a pool's users.
type AdminUsers struct {
	AdminBase
	Users []*user.User
	// The search form: Field (username, email, ...), Query, Status.
	Field, Query, Status string
	Fields               []Choice
	Statuses             []string
	Next                 string
	// NextURL is the link to the next page, with the search kept.
	NextURL string
}

// AdminUserAttribute is one editable attribute of a user.
type AdminUserAttribute struct {
	Name     string
	Value    string
	Mutable  bool
	Required bool
}

// AdminUser is a user's page.
type AdminUser struct {
	AdminBase
	User       *user.User
	Attributes []AdminUserAttribute
	Groups     []*pool.Group
	AllGroups  []*pool.Group
	// MFA is the user's MFA status, Factors each factor's state (nil without MFA).
	MFA     *mfa.Status
	Factors []AdminFactor
}

// AdminFactor is one second factor on a user's page.
type AdminFactor struct {
	Factor    mfa.Factor
	Name      string
	Offered   bool // the pool offers it
	Enabled   bool // the user has it on
	Preferred bool
}

// AdminGroups lists a pool's groups.
type AdminGroups struct {
	AdminBase
	Groups []*pool.Group
	Next   string
}

// AdminGroup is a group's page.
type AdminGroup struct {
	AdminBase
	Group   *pool.Group
	Members []*user.User
	Next    string
}

// AdminMessages is a pool's message log.
type AdminMessages struct {
	AdminBase
	Messages []*message.Message
	Status   string
	Next     string
}

// AdminBranding edits a pool's look on its hosted pages (its UI customization for all apps).
type AdminBranding struct {
	AdminBase
	// The form's values: the stored ones, or the submitted ones when they were refused.
	PrimaryColor, BackgroundColor, PageTitle, CSS string
	// FooterLinks has branding.MaxFooterLinks rows, the unused ones empty.
	FooterLinks []branding.FooterLink
	// LogoURL is the current logo ("" for none).
	LogoURL string
	// AllowedClasses are the classes custom CSS may style.
	AllowedClasses []string
	MaxImageKB     int
	// Updated is when the branding last changed (nil: never set).
	Updated *time.Time
}

// AdminTrigger is one trigger of a pool.
type AdminTrigger struct {
	Name        string // the LambdaConfig key
	Description string
	URL         string
	HasSecret   bool
	// PreviousUntil is set while a replaced secret still signs.
	PreviousUntil *time.Time
}

// AdminTriggers is a pool's triggers page.
type AdminTriggers struct {
	AdminBase
	Triggers []AdminTrigger
	// NewSecrets are the secrets this change generated, shown this once.
	NewSecrets []trigger.SecretInput
	// Test is the invocation of a test event just sent (nil otherwise).
	Test        *trigger.Invocation
	Invocations []*trigger.Invocation
}

// AdminMFA is a pool's MFA settings page.
type AdminMFA struct {
	AdminBase
	// Configuration is OFF, OPTIONAL or ON; Factors the offered factors.
	Configuration string
	Factors       pool.MfaFactors
	// SMSMessage is the MFA code's SMS template.
	SMSMessage string
}

// AdminHidden is a hidden form field.
type AdminHidden struct{ Name, Value string }

// AdminConfirm asks before a destructive action: the form is sent again to Action with
// Fields and confirmed=yes.
type AdminConfirm struct {
	AdminBase
	Question string
	Action   string
	Fields   []AdminHidden
	Back     string
}

// AdminAudit is a page of the audit log with its filters.
type AdminAudit struct {
	AdminBase
	PoolID, Actor, Action, From, To string
	Records                         []*audit.Record
	// NextURL is the next page ("" on the last).
	NextURL string
}
