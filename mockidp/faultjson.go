package mockidp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// faultFields is Fault without its methods, so that the JSON methods can
// reuse the field tags without recursion.
type faultFields Fault

// faultJSON is the wire form of a Fault: its fields plus its durations as
// duration strings.
type faultJSON struct {
	*faultFields
	Delay            string            `json:"delay,omitempty"`
	DeviceInterval   string            `json:"device_interval,omitempty"`
	DeviceExpiresIn  string            `json:"device_expires_in,omitempty"`
	IDTokenTimes     map[string]string `json:"id_token_times,omitempty"`
	LogoutTokenTimes map[string]string `json:"logout_token_times,omitempty"`
}

// MarshalJSON encodes f with snake_case member names and its durations as
// duration strings such as "2s".
func (f Fault) MarshalJSON() ([]byte, error) {
	w := faultJSON{faultFields: (*faultFields)(&f)}
	w.Delay, w.DeviceInterval, w.DeviceExpiresIn = durationString(f.Delay), durationString(f.DeviceInterval), durationString(f.DeviceExpiresIn)
	w.IDTokenTimes, w.LogoutTokenTimes = durationStrings(f.IDTokenTimes), durationStrings(f.LogoutTokenTimes)
	return json.Marshal(w)
}

// UnmarshalJSON decodes a fault encoded by [Fault.MarshalJSON]. Unknown
// members and malformed durations are errors.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var v Fault
	w := faultJSON{faultFields: (*faultFields)(&v)}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	var err error
	for _, d := range []struct {
		name, s string
		to      *time.Duration
	}{{"delay", w.Delay, &v.Delay}, {"device_interval", w.DeviceInterval, &v.DeviceInterval}, {"device_expires_in", w.DeviceExpiresIn, &v.DeviceExpiresIn}} {
		if d.s == "" {
			continue
		}
		if *d.to, err = time.ParseDuration(d.s); err != nil {
			return fmt.Errorf("%s: %w", d.name, err)
		}
	}
	if v.IDTokenTimes, err = parseDurations("id_token_times", w.IDTokenTimes); err != nil {
		return err
	}
	if v.LogoutTokenTimes, err = parseDurations("logout_token_times", w.LogoutTokenTimes); err != nil {
		return err
	}
	*f = v
	return nil
}

// durationString is d as a duration string, or "" for 0.
func durationString(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

func durationStrings(m map[string]time.Duration) map[string]string {
	if m == nil {
		return nil
	}
	out := map[string]string{}
	for k, d := range m {
		out[k] = d.String()
	}
	return out
}

func parseDurations(name string, m map[string]string) (map[string]time.Duration, error) {
	if m == nil {
		return nil, nil
	}
	out := map[string]time.Duration{}
	for k, s := range m {
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", name, k, err)
		}
		out[k] = d
	}
	return out, nil
}
