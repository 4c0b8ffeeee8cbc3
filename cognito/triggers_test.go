package cognito_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/userpool/userpool/cognito"
	"github.com/userpool/userpool/pool"
	"github.com/userpool/userpool/storage"
	"github.com/userpool/userpool/storage/storagetest"
	"github.com/userpool/userpool/trigger"
	"github.com/userpool/userpool/user"
	"github.com/userpool/userpool/webhook"
)

// A pre sign-up trigger configured through CreateUserPool refuses AdminCreateUser with
// UserLambdaValidationException, as the SDK knows it; bad LambdaConfig is refused.
func TestTriggersThroughAPI(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		secret := webhook.NewSecret()
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := webhook.Verify(secret, r.Header, body, time.Now(), time.Minute); err != nil {
				t.Errorf("signature: %v", err)
			}
			var ev struct {
				Request struct {
					ValidationData map[string]string `json:"validationData"`
				} `json:"request"`
			}
			_ = json.Unmarshal(body, &ev)
			if ev.Request.ValidationData["invite"] != "yes" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"errorMessage":"Sign-ups are by invitation only"}`))
				return
			}
			_, _ = w.Write(body)
		}))
		t.Cleanup(recv.Close)

		pools := pool.NewService(st, "local")
		users := user.NewService(st, pools, user.DefaultHasher())
		triggers := trigger.NewService(st, pools, trigger.Config{AllowPrivateNetworks: true})
		users.SetTriggers(triggers)
		api := newServer(t).serve(&cognito.Handler{Pools: pools, Users: users, Triggers: triggers}).api

		for _, bad := range []string{"arn:aws:lambda:us-east-1:123456789012:function:f", "ftp://example.com/hook", "https://user:pw@example.com/"} {
			_, err := api.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("bad"),
				LambdaConfig: &types.LambdaConfigType{PreSignUp: aws.String(bad)}})
			wantErr[*types.InvalidParameterException](t, err)
		}
		_, err := api.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("v1"),
			LambdaConfig: &types.LambdaConfigType{PreTokenGeneration: aws.String(recv.URL)}})
		wantErr[*types.InvalidParameterException](t, err)

		created := must(api.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("triggers"),
			LambdaConfig: &types.LambdaConfigType{PreSignUp: aws.String(recv.URL),
				PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20, LambdaArn: aws.String(recv.URL)}},
		})).ok(t)
		id := aws.ToString(created.UserPool.Id)
		desc := must(api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(id)})).ok(t)
		lc := desc.UserPool.LambdaConfig
		if aws.ToString(lc.PreSignUp) != recv.URL || aws.ToString(lc.PreTokenGeneration) != recv.URL ||
			lc.PreTokenGenerationConfig == nil || lc.PreTokenGenerationConfig.LambdaVersion != types.PreTokenGenerationLambdaVersionTypeV20 {
			t.Fatalf("LambdaConfig %+v", lc)
		}
		// The generated secret was shown once; the operator sets a known one instead.
		p := must(pools.GetPool(ctx, id)).ok(t)
		if _, err := triggers.ConfigureSecrets(ctx, p, []trigger.SecretInput{{Name: pool.TriggerPreSignUp, Value: secret}}); err != nil {
			t.Fatal(err)
		}

		_, err = api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(id), Username: aws.String("rita"),
			MessageAction: types.MessageActionTypeSuppress})
		e := wantErr[*types.UserLambdaValidationException](t, err)
		if aws.ToString(e.Message) != "PreSignUp failed with error Sign-ups are by invitation only." {
			t.Fatalf("message %q", aws.ToString(e.Message))
		}
		_, err = api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(id), Username: aws.String("rita")})
		wantErr[*types.UserNotFoundException](t, err)
		must(api.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(id), Username: aws.String("rita"),
			MessageAction:  types.MessageActionTypeSuppress,
			ValidationData: []types.AttributeType{{Name: aws.String("invite"), Value: aws.String("yes")}}})).ok(t)
	})
}
