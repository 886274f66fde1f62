package mockidp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFaultJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Fault
		wantErr string
	}{
		{"token error", `{"client_id":"demo","times":2,"token_error":"invalid_grant"}`,
			Fault{ClientID: "demo", Times: 2, TokenError: "invalid_grant"}, ""},
		{"delay", `{"login_hint":"bob","delay":"1.5s"}`, Fault{LoginHint: "bob", Delay: 1500 * time.Millisecond}, ""},
		{"claims with null", `{"id_token_claims":{"iat":null,"nonce":"x"}}`,
			Fault{IDTokenClaims: map[string]any{"iat": nil, "nonce": "x"}}, ""},
		{"jwks", `{"jwks_no_kid":true,"jwks_extra_keys":2}`, Fault{JWKSNoKID: true, JWKSExtraKeys: 2}, ""},
		{"times", `{"id_token_times":{"exp":"-10m","iat":"1h"}}`,
			Fault{IDTokenTimes: map[string]time.Duration{"exp": -10 * time.Minute, "iat": time.Hour}}, ""},
		{"par", `{"client_id":"demo","par_status":503,"par_error":"temporarily_unavailable","par_body":"x","par_unknown_request_uri":true}`,
			Fault{ClientID: "demo", PARStatus: 503, PARError: "temporarily_unavailable", PARBody: "x", PARUnknownRequestURI: true}, ""},
		{"device", `{"device_status":502,"device_error":"slow_down","device_body":"x","device_interval":"30s","device_expires_in":"2m"}`,
			Fault{DeviceStatus: 502, DeviceError: "slow_down", DeviceBody: "x", DeviceInterval: 30 * time.Second, DeviceExpiresIn: 2 * time.Minute}, ""},
		{"bad device_interval", `{"device_interval":"often"}`, Fault{}, "device_interval"},
		{"bad device_expires_in", `{"device_expires_in":"1 minute"}`, Fault{}, "device_expires_in"},
		{"device_interval as number", `{"device_interval":5}`, Fault{}, "cannot unmarshal"},
		{"bad times", `{"id_token_times":{"exp":"yesterday"}}`, Fault{}, "id_token_times exp"},
		{"times not strings", `{"id_token_times":{"exp":-600}}`, Fault{}, "cannot unmarshal"},
		{"unknown member", `{"client":"demo"}`, Fault{}, "unknown field"},
		{"Go field name", `{"ClientID":"demo"}`, Fault{}, "unknown field"},
		{"bad delay", `{"delay":"soon"}`, Fault{}, "delay"},
		{"delay as number", `{"delay":5}`, Fault{}, "cannot unmarshal"},
		{"wrong type", `{"times":"2"}`, Fault{}, "cannot unmarshal"},
		{"array", `[]`, Fault{}, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got Fault
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			// Round trip.
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var again Fault
			if err := json.Unmarshal(b, &again); err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip %s: %+v, %v", b, again, err)
			}
		})
	}
}
