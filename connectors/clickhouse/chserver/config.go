package chserver

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

// The config is written from scratch rather than patched from
// /etc/clickhouse-server: the packaged file points at system paths and
// ports, and a minimal file states every path this server may touch.
var configTemplate = template.Must(template.New("config").Parse(`<?xml version="1.0"?>
<!-- Written by oqim on every start; edits are overwritten. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>{{.Dir}}/log/server.log</log>
    <errorlog>{{.Dir}}/log/server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{{.TCP}}</tcp_port>
  <http_port>{{.HTTP}}</http_port>
  <path>{{.Dir}}/data/</path>
  <tmp_path>{{.Dir}}/tmp/</tmp_path>
  <user_files_path>{{.Dir}}/user_files/</user_files_path>
  <format_schema_path>{{.Dir}}/format_schemas/</format_schema_path>
  <users_config>{{.Dir}}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
{{- if .Extra}}
{{.Extra}}
{{- end}}
</yandex>
`))

// Only the loopback may connect, so the empty password is safe.
var usersTemplate = template.Must(template.New("users").Parse(`<?xml version="1.0"?>
<!-- Written by oqim on every start; edits are overwritten. -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>4000000000</max_memory_usage>
{{- range $k, $v := .}}
      <{{$k}}>{{$v}}</{{$k}}>
{{- end}}
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`))

// writeConfig writes config.xml and users.xml under dir; extra is XML
// spliced into config.xml (a cluster node's remote_servers, macros and
// ZooKeeper) and profile settings for the default profile, both empty
// for a single server.
func writeConfig(dir string, tcp, http int, extra string, profile map[string]string) (string, error) {
	for _, sub := range []string{"data", "tmp", "log", "user_files", "format_schemas"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return "", fmt.Errorf("chserver: %w", err)
		}
	}
	conf := filepath.Join(dir, "config.xml")
	f, err := os.Create(conf)
	if err != nil {
		return "", fmt.Errorf("chserver: %w", err)
	}
	err = configTemplate.Execute(f, struct {
		Dir       string
		TCP, HTTP int
		Extra     string
	}{dir, tcp, http, extra})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("chserver: writing %s: %w", conf, err)
	}
	var users bytes.Buffer
	if err := usersTemplate.Execute(&users, profile); err != nil {
		return "", fmt.Errorf("chserver: users.xml: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), users.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("chserver: %w", err)
	}
	return conf, nil
}
