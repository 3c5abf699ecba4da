package config

import (
	"errors"
	"strings"
	"testing"
)

// The defaults leave the BI open and the doctors without credentials:
// RequireAccess refuses them, naming every setting, and accepts them only
// when access.insecure_demo says so.
func TestRequireAccessFailsClosed(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.RequireAccess()
	if !errors.Is(err, ErrInsecure) {
		t.Fatalf("the defaults pass: %v", err)
	}
	for _, want := range []string{"access.jwt.secret", "doctor.jwt.secret", "insecure_demo"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}

	demo, err := Load("", []string{"OQIM_ACCESS_INSECURE_DEMO=true"})
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.RequireAccess(); err != nil {
		t.Errorf("insecure_demo set, still refused: %v", err)
	}

	secret := strings.Repeat("s", 32)
	half, err := Load("", []string{"OQIM_ACCESS_JWT_SECRET=" + secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := half.RequireAccess(); err == nil || strings.Contains(err.Error(), "access.jwt.secret") {
		t.Errorf("BI configured, doctors not: %v", err)
	}
	full, err := Load("", []string{"OQIM_ACCESS_JWT_SECRET=" + secret, "OQIM_DOCTOR_JWT_SECRET=" + strings.Repeat("d", 32)})
	if err != nil {
		t.Fatal(err)
	}
	if err := full.RequireAccess(); err != nil {
		t.Errorf("fully configured, refused: %v", err)
	}
}
