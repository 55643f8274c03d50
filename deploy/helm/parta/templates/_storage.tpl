{{- /* Messaging's attachment storage (services/messaging/README.md, "Attachments"): an
S3-compatible bucket, its keys read from a Secret, or a directory on a volume claim every replica
mounts. Args of each: the messaging context (root, component). */}}
{{- define "parta.messaging.storageEnv" -}}
{{- $storage := .root.Values.messaging.storage }}
- name: PARTA_STORAGE_BACKEND
  value: {{ $storage.backend | quote }}
{{- if eq $storage.backend "s3" }}
{{- with $storage.s3 }}
- name: PARTA_S3_BUCKET
  value: {{ .bucket | quote }}
{{- with .endpoint }}
- name: PARTA_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with .region }}
- name: PARTA_S3_REGION
  value: {{ . | quote }}
{{- end }}
{{- with .prefix }}
- name: PARTA_S3_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- range $key, $env := dict "accessKey" "PARTA_S3_ACCESS_KEY" "secretKey" "PARTA_S3_SECRET_KEY" }}
{{- $ref := index $storage.s3 $key }}
{{- if or $ref.value $ref.existingSecret }}
{{ include "parta.secretEnv" (merge (dict "env" $env "ref" $ref "key" $ref.existingSecretKey) $) }}
{{- end }}
{{- end }}
{{- else if eq $storage.backend "local" }}
{{- $_ := required "messaging.storage.local.existingClaim is required for the local backend: a volume every messaging replica mounts" $storage.local.existingClaim }}
- name: PARTA_STORAGE_DIR
  value: {{ $storage.local.mountPath | quote }}
{{- else }}
{{- fail "messaging.storage.backend is s3 or local" }}
{{- end }}
{{- end }}

{{- define "parta.messaging.storageVolumes" -}}
{{- $storage := .root.Values.messaging.storage }}
{{- if eq $storage.backend "local" }}
- name: files
  persistentVolumeClaim:
    claimName: {{ $storage.local.existingClaim | quote }}
{{- end }}
{{- end }}

{{- define "parta.messaging.storageMounts" -}}
{{- $storage := .root.Values.messaging.storage }}
{{- if eq $storage.backend "local" }}
- name: files
  mountPath: {{ $storage.local.mountPath | quote }}
{{- end }}
{{- end }}
