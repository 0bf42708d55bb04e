{{/*
Names. The operator is a cluster singleton (its ClusterRoles and CRDs are cluster-wide), so
the names stay short: with the release named "rathaus", objects are rathaus-manager, ...
*/}}
{{- define "rathaus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rathaus.fullname" -}}
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

{{/* The manager's Deployment, ClusterRole and binding. */}}
{{- define "rathaus.managerName" -}}
{{- printf "%s-manager" (include "rathaus.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rathaus.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "rathaus.managerName" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "rathaus.metricsServiceName" -}}
{{- printf "%s-metrics" (include "rathaus.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rathaus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "rathaus.labels" -}}
helm.sh/chart: {{ include "rathaus.chart" . }}
{{ include "rathaus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rathaus
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels that select the manager's pods; never change them, Deployment selectors are immutable. */}}
{{- define "rathaus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rathaus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: manager
{{- end }}

{{/*
The manager image: repository through the global registry mirror (the source registry host
becomes the first path element below the mirror, as the operator does for workspace images,
see internal/images), then the digest, or else the tag (default: the chart's appVersion).
*/}}
{{- define "rathaus.image" -}}
{{- $repo := .Values.image.repository }}
{{- with .Values.global.registryMirror }}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Annotations of the StackReleases and the WorkspacePlatform the chart ships. Helm builds every
object of a release before it creates the first one, so on the install that also creates the
CRDs these kinds are still unknown: then the objects become post-install hooks, created after
the CRDs. They carry Helm's ownership metadata, so the next upgrade, which finds the kinds,
adopts them as ordinary objects of the release. They are kept on uninstall like the CRDs:
workspaces refer to them.
*/}}
{{- define "rathaus.dependentAnnotations" -}}
helm.sh/resource-policy: keep
{{- if not (.Capabilities.APIVersions.Has "rathaus.io/v1alpha1") }}
helm.sh/hook: post-install,post-upgrade
helm.sh/hook-weight: "-5"
meta.helm.sh/release-name: {{ .Release.Name }}
meta.helm.sh/release-namespace: {{ .Release.Namespace }}
{{- end }}
{{- end }}
