package rp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Microsoft Entra ID puts at most 200 groups in a JWT; a user in more gets an ID token
// without the groups claim and with a pointer instead ("_claim_names": {"groups":
// "src1"}, "_claim_sources": {"src1": {"endpoint": ...}};
// learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#groups-overage-claim).
// With ProviderConfig.GraphURL, rp asks Microsoft Graph for the full list
// (learn.microsoft.com/en-us/graph/api/user-list-transitivememberof) with the access
// token, as oauth2-proxy does; the pointer in the token is never followed.

// graphMaxPages bounds the pages of one Graph listing.
const graphMaxPages = 20

// entraOverage fills extra["groups"] for an ID token with the groups overage.
func (p *RP) entraOverage(ctx context.Context, prov *provider, accessToken string, token, extra map[string]any) (map[string]any, error) {
	names, _ := token["_claim_names"].(map[string]any)
	if _, overage := names["groups"]; !overage {
		return extra, nil
	}
	if extra == nil {
		extra = map[string]any{}
	}
	if prov.cfg.GraphURL == "" {
		p.log.Warn("entra groups overage but no graph_url: the user gets no groups", "provider", prov.cfg.ID)
		extra["groups"] = []any{}
		return extra, nil
	}
	groups, err := p.graphGroups(ctx, prov.cfg.GraphURL, accessToken)
	if err != nil {
		return nil, providerError("microsoft graph groups", err)
	}
	list := make([]any, len(groups))
	for i, g := range groups {
		list[i] = g
	}
	extra["groups"] = list
	return extra, nil
}

// graphGroups lists the ids of the groups the token's user belongs to, directly or
// not, following @odata.nextLink on GraphURL's origin only.
func (p *RP) graphGroups(ctx context.Context, graphURL, accessToken string) ([]string, error) {
	base := strings.TrimSuffix(graphURL, "/")
	next := base + "/v1.0/me/transitiveMemberOf?" + url.Values{"$select": {"id"}, "$top": {"999"}}.Encode()
	var out []string
	for range graphMaxPages {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+accessToken)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("ConsistencyLevel", "eventual")
		resp, err := p.client.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d", resp.StatusCode)
		}
		var page struct {
			Value []struct {
				Type string `json:"@odata.type"`
				ID   string `json:"id"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("not a Graph collection: %w", err)
		}
		for _, v := range page.Value {
			if v.ID != "" && (v.Type == "" || v.Type == "#microsoft.graph.group") {
				out = append(out, v.ID)
			}
		}
		if page.Next == "" {
			return out, nil
		}
		if !sameOrigin(base, page.Next) {
			return nil, errors.New("next page on another origin")
		}
		next = page.Next
	}
	return nil, fmt.Errorf("more than %d pages of groups", graphMaxPages)
}
