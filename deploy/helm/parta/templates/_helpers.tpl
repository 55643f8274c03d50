{{/*
Names and labels. Helpers that concern one service take a context
(dict "root" $ "component" "<service>").
*/}}

{{/* The chart name (nameOverride wins). */}}
{{- define "parta.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: "<release>" when it already contains the chart name, else
"<release>-<chart>". Every object name starts with it. */}}
{{- define "parta.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<chart>-<version>" for the helm.sh/chart label. */}}
{{- define "parta.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Every service of the chart, and the backends among them (gRPC, PostgreSQL). The SFU
(parta-sfu) is neither a backend (no database, no Service the others dial: the control plane finds
its processes in the NATS KV registry) nor the gateway. */}}
{{- define "parta.components" -}}identity directory messaging media sfu gateway{{- end }}
{{- define "parta.backends" -}}identity directory messaging media{{- end }}

{{/* The enabled services, space separated, in parta.components order. */}}
{{- define "parta.enabledComponents" -}}
{{- $enabled := list }}
{{- range $name := splitList " " (include "parta.components" .) }}
{{- if (index $.Values $name).enabled }}
{{- $enabled = append $enabled $name }}
{{- end }}
{{- end }}
{{- join " " $enabled }}
{{- end }}

{{/* The object name of one service: "<fullname>-<component>". */}}
{{- define "parta.componentName" -}}
{{- printf "%s-%s" (include "parta.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels. With a component: that service's pods; without: every Parta pod of the
release. */}}
{{- define "parta.selectorLabels" -}}
app.kubernetes.io/name: {{ include "parta.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* Labels of every object: the selector labels plus chart, version and manager. */}}
{{- define "parta.labels" -}}
helm.sh/chart: {{ include "parta.chart" .root }}
{{ include "parta.selectorLabels" . }}
app.kubernetes.io/version: {{ include "parta.imageTag" .root | quote }}
app.kubernetes.io/part-of: parta
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* The image tag: image.tag, or the chart's appVersion when empty. */}}
{{- define "parta.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "parta.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "parta.imageTag" .) }}
{{- end }}

{{- define "parta.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "parta.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* A port of one service: <component>.ports.<port> when set, else ports.<port>.
Args: root, component, port ("grpc", "http" or "metrics"). */}}
{{- define "parta.port" -}}
{{- $svc := index .root.Values .component }}
{{- dig "ports" .port (index .root.Values.ports .port) $svc }}
{{- end }}
