package cognito

import (
	"context"
	"strings"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/errs"
)

// SetUICustomization / GetUICustomization: Cognito's shape (UserPoolId, ClientId, CSS,
// ImageFile) plus, beyond Cognito, PrimaryColor, BackgroundColor, PageTitle and FooterLinks.

type setUICustomizationIn struct {
	UserPoolId      string                `required:"true"`
	ClientId        string                `json:"ClientId"`
	CSS             string                `json:"CSS"`
	ImageFile       []byte                `json:"ImageFile"` // base64 on the wire, as AWS blobs are
	PrimaryColor    string                `json:"PrimaryColor"`
	BackgroundColor string                `json:"BackgroundColor"`
	PageTitle       string                `json:"PageTitle"`
	FooterLinks     []branding.FooterLink `json:"FooterLinks"`
}

type getUICustomizationIn struct {
	UserPoolId string `required:"true"`
	ClientId   string `json:"ClientId"`
}

type uiCustomizationType struct {
	UserPoolId       string                `json:"UserPoolId"`
	ClientId         string                `json:"ClientId"`
	ImageUrl         string                `json:"ImageUrl,omitempty"`
	CSS              string                `json:"CSS,omitempty"`
	CSSVersion       string                `json:"CSSVersion,omitempty"`
	PrimaryColor     string                `json:"PrimaryColor,omitempty"`
	BackgroundColor  string                `json:"BackgroundColor,omitempty"`
	PageTitle        string                `json:"PageTitle,omitempty"`
	FooterLinks      []branding.FooterLink `json:"FooterLinks,omitempty"`
	LastModifiedDate *epoch                `json:"LastModifiedDate,omitempty"`
	CreationDate     *epoch                `json:"CreationDate,omitempty"`
}

type uiCustomizationOut struct {
	UICustomization uiCustomizationType `json:"UICustomization"`
}

func (h *Handler) brandingService() (*branding.Service, error) {
	if h.Branding == nil {
		return nil, errs.New(errs.InvalidParameter, "UI customization is not available on this server.")
	}
	return h.Branding, nil
}

func (h *Handler) setUICustomization(ctx context.Context, in *setUICustomizationIn) (*uiCustomizationOut, error) {
	b, err := h.brandingService()
	if err != nil {
		return nil, err
	}
	c, err := b.Set(ctx, branding.Customization{PoolID: in.UserPoolId, ClientID: in.ClientId, CSS: in.CSS, Image: in.ImageFile,
		PrimaryColor: in.PrimaryColor, BackgroundColor: in.BackgroundColor, PageTitle: in.PageTitle, FooterLinks: in.FooterLinks})
	if err != nil {
		return nil, err
	}
	return &uiCustomizationOut{UICustomization: h.uiCustomization(c)}, nil
}

// getUICustomization returns the client's customization, else the pool's; with neither, an
// empty one naming the pool and client, as Cognito does.
func (h *Handler) getUICustomization(ctx context.Context, in *getUICustomizationIn) (*uiCustomizationOut, error) {
	b, err := h.brandingService()
	if err != nil {
		return nil, err
	}
	if _, err := h.Pools.GetPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if in.ClientId != "" && in.ClientId != branding.AllClients {
		if _, err := h.Pools.GetClient(ctx, in.UserPoolId, in.ClientId); err != nil {
			return nil, err
		}
	}
	c, err := b.Get(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	if c == nil {
		client := in.ClientId
		if client == "" {
			client = branding.AllClients
		}
		return &uiCustomizationOut{UICustomization: uiCustomizationType{UserPoolId: in.UserPoolId, ClientId: client}}, nil
	}
	return &uiCustomizationOut{UICustomization: h.uiCustomization(c)}, nil
}

func (h *Handler) uiCustomization(c *branding.Customization) uiCustomizationType {
	created, modified := epoch(c.CreatedAt), epoch(c.UpdatedAt)
	out := uiCustomizationType{UserPoolId: c.PoolID, ClientId: c.ClientID, CSS: c.CSS, CSSVersion: c.Version(),
		PrimaryColor: c.PrimaryColor, BackgroundColor: c.BackgroundColor, PageTitle: c.PageTitle, FooterLinks: c.FooterLinks,
		LastModifiedDate: &modified, CreationDate: &created}
	if p := c.LogoPath(); p != "" {
		out.ImageUrl = strings.TrimRight(h.PublicURL, "/") + p
	}
	return out
}
