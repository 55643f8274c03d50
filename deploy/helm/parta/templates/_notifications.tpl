{{- /* Messaging's notifications (services/messaging/README.md, "Notifications"): the VAPID contact
and key of Web Push, the web client's address for the digest's link, and the SMTP server of the
e-mail digest — identity's (identity.smtp), its password read from identity's Secret. Args: the
messaging context (root, component). */}}
{{- define "parta.messaging.notificationsEnv" -}}
{{- $notify := .root.Values.messaging.notifications }}
- name: PARTA_VAPID_SUBJECT
  value: {{ $notify.vapidSubject | quote }}
{{- if or $notify.vapidPrivateKey.value $notify.vapidPrivateKey.existingSecret }}
{{ include "parta.secretEnv" (merge (dict "env" "PARTA_VAPID_PRIVATE_KEY" "ref" $notify.vapidPrivateKey "key" "vapid-private-key") .) }}
{{- end }}
{{- with $notify.webUrl }}
- name: PARTA_WEB_URL
  value: {{ . | quote }}
{{- end }}
{{- $smtp := .root.Values.identity.smtp }}
{{- if and $notify.digest $smtp.host }}
- name: PARTA_SMTP_HOST
  value: {{ $smtp.host | quote }}
- name: PARTA_SMTP_PORT
  value: {{ $smtp.port | toString | quote }}
- name: PARTA_SMTP_STARTTLS
  value: {{ $smtp.starttls | toString | quote }}
{{- with $smtp.username }}
- name: PARTA_SMTP_USERNAME
  value: {{ . | quote }}
{{- end }}
{{- with $smtp.sender }}
- name: PARTA_SMTP_SENDER
  value: {{ . | quote }}
{{- end }}
{{- if or $smtp.password.value $smtp.password.existingSecret }}
{{ include "parta.secretEnv" (dict "env" "PARTA_SMTP_PASSWORD" "ref" $smtp.password "key" "smtp-password" "root" .root "component" "identity") }}
{{- end }}
{{- else }}
- name: PARTA_DIGEST_EVERY_SECONDS
  value: "0"
{{- end }}
{{- end }}
