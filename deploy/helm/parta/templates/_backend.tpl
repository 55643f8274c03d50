{{/*
A gRPC backend (identity, directory, messaging, media): its Deployment and its Service.
Args: root, component, and optionally what the service adds, as rendered YAML:
  extraEnv   env entries after the common ones
  extraPorts container ports after grpc and metrics
  extraVolumes, extraVolumeMounts  pod volumes and the container's mounts after /tmp
  lifecycle  the container's lifecycle block
  podExtra   pod spec fields (e.g. hostNetwork)
*/}}

{{- define "parta.backend.deployment" -}}
{{- $root := .root -}}
{{- $svc := index $root.Values .component -}}
{{- $ctx := dict "root" $root "component" .component -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "parta.componentName" $ctx }}
  labels:
    {{- include "parta.labels" $ctx | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "parta.selectorLabels" $ctx | nindent 6 }}
  template:
    metadata:
      {{- include "parta.podMetadata" $ctx | nindent 6 }}
    spec:
      {{- include "parta.podSpec" (merge (dict "extraVolumes" .extraVolumes) $ctx) | nindent 6 }}
      {{- with .podExtra }}
      {{- . | trim | nindent 6 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          {{- include "parta.container" (merge (dict "extraVolumeMounts" .extraVolumeMounts) $ctx) | nindent 10 }}
          command: [{{ printf "parta-%s" .component | quote }}]
          args: ["serve"]
          ports:
            - name: grpc
              containerPort: {{ include "parta.port" (merge (dict "port" "grpc") $ctx) }}
              protocol: TCP
            - name: metrics
              containerPort: {{ include "parta.port" (merge (dict "port" "metrics") $ctx) }}
              protocol: TCP
            {{- with .extraPorts }}
            {{- . | trim | nindent 12 }}
            {{- end }}
          env:
            - name: PARTA_GRPC_HOST
              value: "0.0.0.0"
            - name: PARTA_GRPC_PORT
              value: {{ include "parta.port" (merge (dict "port" "grpc") $ctx) | quote }}
            {{- include "parta.commonEnv" $ctx | nindent 12 }}
            {{- if ne .component "identity" }}
            {{- $identity := dict "root" $root "component" "identity" }}
            # Identity publishes the keys that verify access tokens.
            - name: PARTA_IDENTITY_ADDR
              value: {{ printf "%s:%s" (include "parta.componentName" $identity) (include "parta.port" (merge (dict "port" "grpc") $identity)) | quote }}
            {{- end }}
            {{- include "parta.secretEnv" (merge (dict "env" "PARTA_DATABASE_URL" "ref" $svc.database "key" "database-url") $ctx) | nindent 12 }}
            {{- with .extraEnv }}
            {{- . | trim | nindent 12 }}
            {{- end }}
            {{- with include "parta.userEnv" $ctx }}
            {{- . | trim | nindent 12 }}
            {{- end }}
          {{- include "parta.grpcProbes" $ctx | nindent 10 }}
          {{- with .lifecycle }}
          lifecycle:
            {{- . | trim | nindent 12 }}
          {{- end }}
{{- end }}

{{- define "parta.backend.service" -}}
{{- $ctx := dict "root" .root "component" .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "parta.componentName" $ctx }}
  labels:
    {{- include "parta.labels" $ctx | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "parta.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: grpc
      port: {{ include "parta.port" (merge (dict "port" "grpc") $ctx) }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
    - name: metrics
      port: {{ include "parta.port" (merge (dict "port" "metrics") $ctx) }}
      targetPort: metrics
      protocol: TCP
{{- end }}
