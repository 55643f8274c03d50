{{/*
Pieces every Parta pod shares. Args of each: (dict "root" $ "component" "<service>").
*/}}

{{/* Pod metadata: labels (plus .extraLabels, optional), and a checksum of the service's values so
that a changed secret value or setting rolls the pods. */}}
{{- define "parta.podMetadata" -}}
labels:
  {{- include "parta.labels" . | nindent 2 }}
  {{- with .root.Values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .extraLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  checksum/values: {{ index .root.Values .component | toJson | sha256sum }}
  {{- with .root.Values.podAnnotations }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Pod-level spec: identity, hardening, scheduling and the /tmp volume. Optional args:
extraVolumes, terminationGracePeriodSeconds (instead of the global one). */}}
{{- define "parta.podSpec" -}}
{{- $values := .root.Values -}}
serviceAccountName: {{ include "parta.serviceAccountName" .root }}
automountServiceAccountToken: false
# Service links would put <SERVICE>_PORT=tcp://... variables into the environment; with a
# release named "parta" they would share the PARTA_ prefix the settings are read from.
enableServiceLinks: false
securityContext:
  {{- toYaml $values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ .terminationGracePeriodSeconds | default $values.terminationGracePeriodSeconds }}
{{- with $values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "parta.selectorLabels" . | nindent 8 }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ $values.tmpVolume.sizeLimit }}
  {{- with .extraVolumes }}
  {{- . | trim | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Container fields shared by every service: image, hardening, /tmp. */}}
{{- define "parta.container" -}}
image: {{ include "parta.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.containerSecurityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- with .extraVolumeMounts }}
  {{- . | trim | nindent 2 }}
  {{- end }}
resources:
  {{- toYaml (index .root.Values .component).resources | nindent 2 }}
{{- end }}

{{/* Environment every service reads: logging, metrics port, NATS. */}}
{{- define "parta.commonEnv" -}}
- name: PARTA_LOG_LEVEL
  value: {{ .root.Values.log.level | quote }}
- name: PARTA_LOG_JSON
  value: {{ .root.Values.log.json | toString | quote }}
- name: PARTA_METRICS_PORT
  value: {{ include "parta.port" (dict "root" .root "component" .component "port" "metrics") | quote }}
- name: PARTA_NATS_URL
  value: {{ required "nats.url is required" .root.Values.nats.url | quote }}
{{- end }}

{{/* An environment variable read from a Secret: the operator's own (ref.existingSecret, key
ref.existingSecretKey) or the chart's Secret of the service (key .key).
Args: root, component, env, ref, key. */}}
{{- define "parta.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      {{- if .ref.existingSecret }}
      name: {{ .ref.existingSecret }}
      key: {{ .ref.existingSecretKey | default .key }}
      {{- else }}
      name: {{ include "parta.componentName" . }}
      key: {{ .key }}
      {{- end }}
{{- end }}

{{/* The service's extra env entries (<component>.env). The chart never runs a service in
development mode, and refuses to be told to. */}}
{{- define "parta.userEnv" -}}
{{- $env := (index .root.Values .component).env | default list }}
{{- range $env }}
{{- if eq (toString .name) "PARTA_DEV" }}
{{- fail (printf "%s.env: PARTA_DEV is for local development only; the chart does not set it" $.component) }}
{{- end }}
{{- end }}
{{- with $env }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/* Probes of a gRPC backend: Kubernetes' native gRPC health checking on the gRPC port. The
gRPC port opens only after migrations, which the startup probe waits for. */}}
{{- define "parta.grpcProbes" -}}
{{- $port := include "parta.port" (dict "root" .root "component" .component "port" "grpc") | int }}
{{- $probes := .root.Values.probes -}}
startupProbe:
  grpc:
    port: {{ $port }}
  periodSeconds: {{ $probes.startup.periodSeconds }}
  failureThreshold: {{ $probes.startup.failureThreshold }}
readinessProbe:
  grpc:
    port: {{ $port }}
  periodSeconds: {{ $probes.readiness.periodSeconds }}
  timeoutSeconds: {{ $probes.readiness.timeoutSeconds }}
  failureThreshold: {{ $probes.readiness.failureThreshold }}
livenessProbe:
  grpc:
    port: {{ $port }}
  periodSeconds: {{ $probes.liveness.periodSeconds }}
  timeoutSeconds: {{ $probes.liveness.timeoutSeconds }}
  failureThreshold: {{ $probes.liveness.failureThreshold }}
{{- end }}
