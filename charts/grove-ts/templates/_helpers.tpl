{{/* Labels every object of the chart carries. */}}
{{- define "grove-ts.labels" -}}
app.kubernetes.io/name: grove-operator
app.kubernetes.io/part-of: grove
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- range $k, $v := .Values.commonLabels }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{/* The operator pods' labels: the Deployment's, the Service's and the PDB's selector. */}}
{{- define "grove-ts.selectorLabels" -}}
app.kubernetes.io/name: grove-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of one object: the chart's plus a component and that object's own (a dict of extra labels). */}}
{{- define "grove-ts.objectLabels" -}}
{{ include "grove-ts.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- range $k, $v := .extra }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end -}}

{{- define "grove-ts.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "grove-ts.initcImage" -}}
{{ .Values.initcImage.repository }}:{{ .Values.initcImage.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "grove-ts.serviceAccountUserName" -}}
system:serviceaccount:{{ .Release.Namespace }}:{{ .Values.serviceAccount.name }}
{{- end -}}

{{/*
The OperatorConfiguration file, as the ConfigMap holds it. Its hash names the ConfigMap, so a
changed configuration is a new ConfigMap and a rollout of the Deployment.
*/}}
{{- define "grove-ts.config" -}}
{{- $c := .Values.config -}}
apiVersion: operator.config.grove.io/v1alpha1
kind: OperatorConfiguration
runtimeClientConnection:
  qps: {{ $c.runtimeClientConnection.qps }}
  burst: {{ $c.runtimeClientConnection.burst }}
leaderElection:
  enabled: {{ $c.leaderElection.enabled }}
  leaseDuration: {{ $c.leaderElection.leaseDuration }}
  renewDeadline: {{ $c.leaderElection.renewDeadline }}
  retryPeriod: {{ $c.leaderElection.retryPeriod }}
  resourceLock: {{ $c.leaderElection.resourceLock }}
  resourceName: {{ $c.leaderElection.resourceName }}
  resourceNamespace: {{ .Release.Namespace }}
server:
  webhooks:
    port: {{ $c.server.webhooks.port }}
    certProvisionMode: {{ $c.server.webhooks.certProvisionMode }}
    secretName: {{ $c.server.webhooks.secretName }}
    serverCertDir: {{ $c.server.webhooks.serverCertDir }}
  healthProbes:
    port: {{ $c.server.healthProbes.port }}
  metrics:
    port: {{ $c.server.metrics.port }}
controllers:
  podCliqueSet:
    concurrentSyncs: {{ $c.controllers.podCliqueSet.concurrentSyncs }}
  podClique:
    concurrentSyncs: {{ $c.controllers.podClique.concurrentSyncs }}
  podCliqueScalingGroup:
    concurrentSyncs: {{ $c.controllers.podCliqueScalingGroup.concurrentSyncs }}
  podGang:
    concurrentSyncs: {{ $c.controllers.podGang.concurrentSyncs }}
logLevel: {{ $c.logLevel }}
logFormat: {{ $c.logFormat }}
topologyAwareScheduling:
  enabled: {{ $c.topologyAwareScheduling.enabled }}
authorizer:
  enabled: {{ $c.authorizer.enabled }}
  {{- with $c.authorizer.exemptServiceAccountUserNames }}
  exemptServiceAccountUserNames:
    {{- toYaml . | nindent 4 }}
  {{- else }}
  exemptServiceAccountUserNames: []
  {{- end }}
{{- with $c.scheduler }}
scheduler:
  {{- toYaml . | nindent 2 }}
{{- end }}
initContainer:
  image: {{ include "grove-ts.initcImage" . }}
{{- end -}}

{{- define "grove-ts.configMapName" -}}
grove-operator-cm-{{ include "grove-ts.config" . | sha256sum | trunc 8 }}
{{- end -}}

{{/* clientConfig of one webhook: the Service, the path and, when given, the shared caBundle. */}}
{{- define "grove-ts.webhookClientConfig" -}}
service:
  name: {{ .root.Values.service.name }}
  namespace: {{ .root.Release.Namespace }}
  path: {{ .path }}
  port: {{ .root.Values.service.webhookPort }}
{{- with .root.Values.webhooks.caBundle }}
caBundle: {{ . }}
{{- end }}
{{- end -}}

{{/* Metadata annotations of a webhook configuration: cert-manager's CA injection in manual mode. */}}
{{- define "grove-ts.webhookAnnotations" -}}
{{- $a := dict -}}
{{- range $k, $v := .Values.webhooks.annotations }}{{ $_ := set $a $k $v }}{{ end -}}
{{- if and (eq .Values.config.server.webhooks.certProvisionMode "manual") .Values.webhooks.certManagerCertificate -}}
{{- $_ := set $a "cert-manager.io/inject-ca-from" (printf "%s/%s" .Release.Namespace .Values.webhooks.certManagerCertificate) -}}
{{- end -}}
{{- with $a }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
