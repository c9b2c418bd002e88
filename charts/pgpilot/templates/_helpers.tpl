{{/*
Names. The Kubernetes objects pgpilot's own code reads and writes are named after the cluster exactly
as io.pgpilot.cluster.ObjectNames names them (<cluster>-spec, <cluster>-secret, ...); the workloads and
Services are named after the release.
*/}}

{{- define "pgpilot.cluster" -}}
{{- default .Release.Name .Values.clusterName -}}
{{- end -}}

{{- define "pgpilot.keeper" -}}
{{- printf "%s-keeper" .Release.Name -}}
{{- end -}}

{{- define "pgpilot.sentinel" -}}
{{- printf "%s-sentinel" .Release.Name -}}
{{- end -}}

{{- define "pgpilot.proxy" -}}
{{- printf "%s-proxy" .Release.Name -}}
{{- end -}}

{{- define "pgpilot.rwService" -}}
{{- printf "%s-rw" .Release.Name -}}
{{- end -}}

{{- define "pgpilot.roService" -}}
{{- printf "%s-ro" .Release.Name -}}
{{- end -}}

{{- define "pgpilot.specConfigMap" -}}
{{- printf "%s-spec" (include "pgpilot.cluster" .) -}}
{{- end -}}

{{- define "pgpilot.secret" -}}
{{- printf "%s-secret" (include "pgpilot.cluster" .) -}}
{{- end -}}

{{- define "pgpilot.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-pgpilot" .Release.Name) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false: name a ServiceAccount that has the rights in templates/rbac.yaml" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "pgpilot.keeperImage" -}}
{{- printf "%s:%s" .Values.image.keeper.repository (default .Chart.AppVersion .Values.image.keeper.tag) -}}
{{- end -}}

{{- define "pgpilot.proxyImage" -}}
{{- printf "%s:%s" .Values.image.proxy.repository (default .Chart.AppVersion .Values.image.proxy.tag) -}}
{{- end -}}

{{/*
Labels. pgpilot.io/cluster and pgpilot.io/component are the labels ObjectNames.labels() puts on the
objects pgpilot writes; the sentinel finds the keeper Pods by them (ClusterStore.listKeeperPods), so the
keeper Pods must carry them exactly.
Call with (dict "ctx" $ "component" "keeper").
*/}}
{{- define "pgpilot.selectorLabels" -}}
pgpilot.io/cluster: {{ include "pgpilot.cluster" .ctx }}
pgpilot.io/component: {{ .component }}
app.kubernetes.io/name: pgpilot
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end -}}

{{- define "pgpilot.labels" -}}
{{ include "pgpilot.selectorLabels" . }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: pgpilot
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
Pod anti-affinity for a component: soft = preferred, hard = required, none = no rule.
Call with (dict "ctx" $ "component" "keeper" "mode" .Values.keeper.antiAffinity).
*/}}
{{- define "pgpilot.antiAffinity" -}}
{{- if eq .mode "soft" }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "pgpilot.selectorLabels" . | nindent 14 }}
{{- else if eq .mode "hard" }}
affinity:
  podAntiAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      - topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "pgpilot.selectorLabels" . | nindent 12 }}
{{- end }}
{{- end -}}

{{/*
The container security settings every pgpilot container shares: no privilege escalation, no
capabilities, and a read-only root filesystem (writable paths are emptyDir volumes).
*/}}
{{- define "pgpilot.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities:
    drop:
      - ALL
{{- end -}}
