package cognito_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/branding"
	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/user"
)

// pngHeader is the start of a PNG file, which is all the type check reads.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestUICustomization(t *testing.T) {
	st := storagetest.Open(t)
	pools := pool.NewService(st, "local")
	e := newServer(t).serve(&cognito.Handler{Pools: pools, Users: user.NewService(st, pools, testHasher()),
		Branding: &branding.Service{Store: st, Pools: pools}, PublicURL: "https://id.example"})
	api := e.api
	ctx := context.Background()
	p, err := pools.CreatePool(ctx, &pool.Pool{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pools.CreateClient(ctx, &pool.Client{UserPoolId: p.Id, ClientName: "app"}, false)
	if err != nil {
		t.Fatal(err)
	}

	// Before any customization: an empty one naming the pool.
	got, err := api.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(p.Id)})
	if err != nil || aws.ToString(got.UICustomization.ClientId) != "ALL" || got.UICustomization.CSS != nil {
		t.Fatalf("empty: %+v %v", got, err)
	}
	set, err := api.SetUICustomization(ctx, &cip.SetUICustomizationInput{UserPoolId: aws.String(p.Id),
		CSS: aws.String(".submitButton-customizable{background-color:#0a7d43}"), ImageFile: pngHeader})
	if err != nil {
		t.Fatal(err)
	}
	u := set.UICustomization
	if aws.ToString(u.CSS) != ".submitButton-customizable { background-color: #0a7d43; }\n" ||
		!strings.HasPrefix(aws.ToString(u.ImageUrl), "https://id.example/"+p.Id+"/logo?client=ALL&v=") || u.LastModifiedDate == nil {
		t.Fatalf("set: %+v", u)
	}
	// A client without its own falls back to the pool's.
	got, err = api.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(p.Id), ClientId: aws.String(c.ClientId)})
	if err != nil || aws.ToString(got.UICustomization.CSS) != aws.ToString(u.CSS) {
		t.Fatalf("client fallback: %+v %v", got, err)
	}

	bad := []struct {
		name string
		in   *cip.SetUICustomizationInput
	}{
		{"import", &cip.SetUICustomizationInput{UserPoolId: aws.String(p.Id), CSS: aws.String("@import 'x';")}},
		{"url", &cip.SetUICustomizationInput{UserPoolId: aws.String(p.Id), CSS: aws.String(".label-customizable{color:url(//evil)}")}},
		{"svg", &cip.SetUICustomizationInput{UserPoolId: aws.String(p.Id), ImageFile: []byte("<svg/>")}},
		{"unknown client", &cip.SetUICustomizationInput{UserPoolId: aws.String(p.Id), ClientId: aws.String("nope")}},
	}
	for _, tt := range bad {
		if _, err := api.SetUICustomization(ctx, tt.in); err == nil {
			t.Errorf("%s: accepted", tt.name)
		} else if tt.name != "unknown client" {
			wantErr[*types.InvalidParameterException](t, err)
		}
	}
	if _, err := api.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String("local_nope00000")}); err == nil {
		t.Error("unknown pool accepted")
	}
	// Unsigned calls are refused: these are management actions.
	anon := e.anon()
	if _, err := anon.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(p.Id)}); err == nil {
		t.Error("unsigned call accepted")
	}
	// Nothing refused changed the stored one.
	got, _ = api.GetUICustomization(ctx, &cip.GetUICustomizationInput{UserPoolId: aws.String(p.Id)})
	if aws.ToString(got.UICustomization.CSS) != aws.ToString(u.CSS) {
		t.Errorf("changed by a refused call: %+v", got.UICustomization)
	}
}
