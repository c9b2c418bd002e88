{{/*
The rules values.schema.json cannot express (they relate two values, or apply to the release name), in
the same words as io.pgpilot.cluster.ClusterSpec.problems(): a spec the sentinel would refuse is refused
here, at install time, instead of leaving a cluster that never starts. Every message names the value.
*/}}
{{- define "pgpilot.validate" -}}
{{- $problems := list -}}
{{- $cluster := include "pgpilot.cluster" . -}}
{{- if or (gt (len $cluster) 40) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $cluster)) -}}
{{- $problems = append $problems (printf "clusterName (or the release name) is '%s': use at most 40 lower-case letters, digits and '-', starting and ending with a letter or digit" $cluster) -}}
{{- end -}}
{{- if gt (len (include "pgpilot.keeper" .)) 52 -}}
{{- $problems = append $problems (printf "the release name '%s' is too long: the keeper StatefulSet '%s' must have at most 52 characters so its Pod names stay valid" .Release.Name (include "pgpilot.keeper" .)) -}}
{{- end -}}
{{- $c := .Values.cluster -}}
{{- if le (int64 $c.renewDeadlineMs) (int64 $c.renewIntervalMs) -}}
{{- $problems = append $problems (printf "cluster.renewDeadlineMs is %d: it must be greater than cluster.renewIntervalMs (%d), so a primary gets more than one chance to renew before it fences itself" (int64 $c.renewDeadlineMs) (int64 $c.renewIntervalMs)) -}}
{{- end -}}
{{- if le (int64 $c.leaseDurationMs) (int64 $c.renewDeadlineMs) -}}
{{- $problems = append $problems (printf "cluster.leaseDurationMs is %d: it must be greater than cluster.renewDeadlineMs (%d), so a primary fences itself before its lease can expire for anyone else" (int64 $c.leaseDurationMs) (int64 $c.renewDeadlineMs)) -}}
{{- end -}}
{{- if lt (int64 $c.departedKeeperGraceMs) (int64 $c.leaseDurationMs) -}}
{{- $problems = append $problems (printf "cluster.departedKeeperGraceMs is %d: it must be at least cluster.leaseDurationMs (%d)" (int64 $c.departedKeeperGraceMs) (int64 $c.leaseDurationMs)) -}}
{{- end -}}
{{- if $c.synchronousMode -}}
{{- if lt (int64 $c.minSynchronousStandbys) 1 -}}
{{- $problems = append $problems (printf "cluster.minSynchronousStandbys is %d: cluster.synchronousMode needs at least 1" (int64 $c.minSynchronousStandbys)) -}}
{{- else if gt (int64 $c.minSynchronousStandbys) (sub (int64 .Values.keeper.replicas) 1) -}}
{{- $problems = append $problems (printf "cluster.minSynchronousStandbys is %d: with keeper.replicas %d at most %d standbys can exist; lower it or raise keeper.replicas" (int64 $c.minSynchronousStandbys) (int64 .Values.keeper.replicas) (sub (int64 .Values.keeper.replicas) 1)) -}}
{{- end -}}
{{- end -}}
{{- /* The same set as ClusterSpec.MANAGED_PARAMETERS (charts-test checks they agree). */ -}}
{{- $managed := list "listen_addresses" "port" "unix_socket_directories" "hba_file" "ident_file" "data_directory" "config_file" "primary_conninfo" "primary_slot_name" "synchronous_standby_names" "hot_standby" "wal_level" "restore_command" "recovery_target_timeline" "promote_trigger_file" "wal_log_hints" -}}
{{- range $name, $value := $c.postgresParameters -}}
{{- if has (lower $name) $managed -}}
{{- $problems = append $problems (printf "cluster.postgresParameters.%s is managed by pgpilot and cannot be set; remove it" $name) -}}
{{- end -}}
{{- end -}}
{{- if $problems -}}
{{- fail (printf "\n  - %s" (join "\n  - " $problems)) -}}
{{- end -}}
{{- end -}}
