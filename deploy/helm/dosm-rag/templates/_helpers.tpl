{{/* Names ------------------------------------------------------------------------------------ */}}
{{- define "dosm-rag.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "dosm-rag.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "dosm-rag.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels: "dosm-rag.labels" takes (dict "root" $ "component" "proxy") */}}
{{- define "dosm-rag.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dosm-rag.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "dosm-rag.labels" -}}
{{ include "dosm-rag.selectorLabels" . }}
helm.sh/chart: {{ include "dosm-rag.chart" .root }}
app.kubernetes.io/part-of: dosm-rag
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Images: (dict "root" $ "image" .Values.proxy.image) */}}
{{- define "dosm-rag.image" -}}
{{- $g := .root.Values.image -}}
{{- $repo := .image.repository -}}
{{- if $g.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $g.registry) $repo }}{{ end -}}
{{- $tag := .image.tag | default $g.tag | default .root.Chart.AppVersion | toString -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end }}

{{- define "dosm-rag.pullPolicy" -}}
{{- .image.pullPolicy | default .root.Values.image.pullPolicy -}}
{{- end }}

{{- define "dosm-rag.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* ServiceAccount name of a component: (dict "root" $ "component" "proxy") */}}
{{- define "dosm-rag.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create -}}
{{- printf "%s-%s" (include "dosm-rag.fullname" .root) .component -}}
{{- else -}}
default
{{- end -}}
{{- end }}

{{/* Database ----------------------------------------------------------------------------------- */}}
{{/* "true" when the chart runs the database: mode statefulset, or auto without env.DB.URL_SECRET. */}}
{{- define "dosm-rag.db.internal" -}}
{{- $m := .Values.database.mode -}}
{{- if or (eq $m "statefulset") (and (eq $m "auto") (not .Values.env.DB.URL_SECRET)) }}true{{ end -}}
{{- end }}

{{- define "dosm-rag.db.external" -}}
{{- if not (include "dosm-rag.db.internal" .) }}true{{ end -}}
{{- end }}

{{- define "dosm-rag.db.fullname" -}}
{{- printf "%s-db" (include "dosm-rag.fullname" .) -}}
{{- end }}

{{/* The Secret with the postgres password (and, when the chart owns it, the URLs). */}}
{{- define "dosm-rag.db.secretName" -}}
{{- .Values.database.auth.existingSecret | default (include "dosm-rag.db.fullname" .) -}}
{{- end }}

{{/* The Secret and key the clients read DATABASE_URL from (env.DB.*, as in the old chart). */}}
{{- define "dosm-rag.url.secretName" -}}
{{- .Values.env.DB.URL_SECRET | default (include "dosm-rag.db.fullname" .) -}}
{{- end }}

{{- define "dosm-rag.url.key" -}}
{{- if .Values.env.DB.URL_SECRET }}{{ .Values.env.DB.URL_KEY }}{{ else }}DATABASE_URL{{ end -}}
{{- end }}

{{/* The key with DATABASE_REPLICA_URLS, or nothing when the proxy has no replicas. */}}
{{- define "dosm-rag.replicaUrls.key" -}}
{{- if .Values.env.DB.URL_SECRET -}}
{{- .Values.env.DB.REPLICA_URLS_KEY -}}
{{- else if and (include "dosm-rag.db.internal" .) (gt (int .Values.database.readReplicas.count) 0) -}}
DATABASE_REPLICA_URLS
{{- end -}}
{{- end }}

{{/* The env entry for DATABASE_URL, shared by the proxy, the ingest and the hook. */}}
{{- define "dosm-rag.databaseUrlEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "dosm-rag.url.secretName" . }}
      key: {{ include "dosm-rag.url.key" . }}
{{- end }}

{{/* The number of proxy pods at most (autoscaling's maximum when it is on). */}}
{{- define "dosm-rag.proxy.replicas" -}}
{{- if not (kindIs "invalid" .Values.replicaCount) }}{{ .Values.replicaCount }}{{ else }}{{ .Values.proxy.replicaCount }}{{ end -}}
{{- end }}

{{- define "dosm-rag.proxy.maxReplicas" -}}
{{- if .Values.proxy.autoscaling.enabled }}{{ .Values.proxy.autoscaling.maxReplicas }}{{ else }}{{ include "dosm-rag.proxy.replicas" . }}{{ end -}}
{{- end }}

{{/* Checks the schema cannot express; rendered (as nothing) by NOTES.txt and every manifest. */}}
{{- define "dosm-rag.validate" -}}
{{- $v := .Values -}}
{{- if and (eq $v.database.mode "external") (not $v.env.DB.URL_SECRET) -}}
{{- fail "database.mode=external needs env.DB.URL_SECRET: the name of an existing Secret with the server's DATABASE_URL" -}}
{{- end -}}
{{- if and $v.database.auth.existingSecret (not $v.env.DB.URL_SECRET) -}}
{{- fail "database.auth.existingSecret is set, so the chart cannot build the clients' URL (it never sees the password): set env.DB.URL_SECRET too" -}}
{{- end -}}
{{- if and $v.database.tls.enabled (not $v.database.tls.existingSecret) -}}
{{- fail "database.tls.enabled needs database.tls.existingSecret (a kubernetes.io/tls Secret)" -}}
{{- end -}}
{{- if and $v.proxy.autoscaling.enabled (lt (int $v.proxy.autoscaling.maxReplicas) (int $v.proxy.autoscaling.minReplicas)) -}}
{{- fail "proxy.autoscaling.maxReplicas is below minReplicas" -}}
{{- end -}}
{{- if include "dosm-rag.db.internal" . -}}
{{- $proxies := 0 -}}
{{- if $v.proxy.enabled }}{{ $proxies = int (include "dosm-rag.proxy.maxReplicas" .) }}{{ end -}}
{{- /* proxies' pools + a Job and a CronJob run at once + walsenders + superuser_reserved_connections (3) */ -}}
{{- $need := add (mul $proxies (int $v.proxy.poolSize)) 2 (int $v.database.readReplicas.count) 3 -}}
{{- if gt (int $need) (int $v.database.config.maxConnections) -}}
{{- fail (printf "up to %d connections needed on each database (%d proxy pods x proxy.poolSize %d, the ingest, %d replicas, 3 reserved) but database.config.maxConnections is %d: raise it (each connection holds ~21 MB once the model is loaded) or lower the pool or the pod count" (int $need) $proxies (int $v.proxy.poolSize) (int $v.database.readReplicas.count) (int $v.database.config.maxConnections)) -}}
{{- end -}}
{{- end -}}
{{- end }}

{{/* postgres arguments, shared by the primary and the replicas (a standby needs max_connections
     at least the primary's). */}}
{{- define "dosm-rag.db.args" -}}
{{- $c := .Values.database.config -}}
- -c
- hba_file=/etc/dosm-rag/pg_hba.conf
- -c
- max_connections={{ $c.maxConnections }}
- -c
- shared_buffers={{ $c.sharedBuffers }}
- -c
- maintenance_work_mem={{ $c.maintenanceWorkMem }}
- -c
- wal_keep_size={{ $c.walKeepSize }}
- -c
- hot_standby=on
- -c
- password_encryption=scram-sha-256
- -c
- shared_preload_libraries=dosm_rag
{{- if .Values.database.tls.enabled }}
- -c
- ssl=on
- -c
- ssl_cert_file=/etc/dosm-rag/tls/tls.crt
- -c
- ssl_key_file=/etc/dosm-rag/tls/tls.key
{{- end }}
{{- range $c.extra }}
- -c
- {{ . | quote }}
{{- end }}
{{- end }}

{{/* Volumes and mounts every PostgreSQL container needs with a read-only root filesystem. */}}
{{- define "dosm-rag.db.volumes" -}}
- name: run
  emptyDir: {}
- name: tmp
  emptyDir: {}
- name: shm
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.database.shmSize }}
- name: config
  configMap:
    name: {{ include "dosm-rag.db.fullname" . }}
{{- if .Values.database.tls.enabled }}
- name: tls
  secret:
    secretName: {{ .Values.database.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- end }}

{{- define "dosm-rag.db.volumeMounts" -}}
- name: data
  mountPath: /var/lib/postgresql/data
- name: run
  mountPath: /var/run/postgresql
- name: tmp
  mountPath: /tmp
- name: shm
  mountPath: /dev/shm
- name: config
  mountPath: /etc/dosm-rag/pg_hba.conf
  subPath: pg_hba.conf
  readOnly: true
{{- if .Values.database.tls.enabled }}
- name: tls
  mountPath: /etc/dosm-rag/tls
  readOnly: true
{{- end }}
{{- end }}

{{- define "dosm-rag.db.probes" -}}
{{- $cmd := list "/usr/lib/postgresql/15/bin/pg_isready" "-q" "-h" "127.0.0.1" "-p" "5432" "-d" .Values.database.name -}}
startupProbe:
  exec:
    command: {{ toJson $cmd }}
  {{- toYaml .Values.database.startupProbe | nindent 2 }}
readinessProbe:
  exec:
    command: {{ toJson $cmd }}
  {{- toYaml .Values.database.readinessProbe | nindent 2 }}
livenessProbe:
  exec:
    command: {{ toJson $cmd }}
  {{- toYaml .Values.database.livenessProbe | nindent 2 }}
{{- end }}

{{/* Host names and URLs the chart builds for its own database. */}}
{{- define "dosm-rag.db.host" -}}
{{- printf "%s.%s.svc" (include "dosm-rag.db.fullname" .) .Release.Namespace -}}
{{- end }}

{{- define "dosm-rag.db.replicaHost" -}}
{{- printf "%s-replica-%d.%s-replica-hl.%s.svc" (include "dosm-rag.db.fullname" .root) (int .index) (include "dosm-rag.db.fullname" .root) .root.Release.Namespace -}}
{{- end }}

{{/* A password made safe for the userinfo of a URL: QueryEscape, then the '+' it makes of a space
     is written %20 (a literal '+' is already %2B). */}}
{{- define "dosm-rag.urlPassword" -}}
{{- . | urlquery | replace "+" "%20" -}}
{{- end }}

{{/* A CSV field, quoted (RFC 4180). */}}
{{- define "dosm-rag.csvField" -}}
{{- printf "\"%s\"" (replace "\"" "\"\"" (toString .)) -}}
{{- end }}

{{/* The ingest pod template, shared by the Job and the CronJob. */}}
{{- define "dosm-rag.ingest.podTemplate" -}}
{{- $i := .Values.ingest }}
{{- $d := $i.datasets }}
{{- $img := dict "root" . "image" $i.image }}
{{- $dbImg := dict "root" . "image" .Values.database.image }}
{{- $fetch := $i.fetchImage }}
{{- if not $fetch.repository }}{{ $fetch = .Values.proxy.image }}{{ end }}
{{- $fetchImg := dict "root" . "image" $fetch }}
metadata:
  labels:
    {{- include "dosm-rag.labels" (dict "root" . "component" "ingest") | nindent 4 }}
    {{- with $i.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include (print .Template.BasePath "/ingest-configmap.yaml") . | sha256sum }}
    {{- with $i.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  restartPolicy: Never
  serviceAccountName: {{ include "dosm-rag.serviceAccountName" (dict "root" . "component" "ingest") }}
  automountServiceAccountToken: false
  {{- include "dosm-rag.imagePullSecrets" . | nindent 2 }}
  securityContext:
    {{- toYaml $i.podSecurityContext | nindent 4 }}
  {{- with $i.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $i.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $i.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if or $i.waitForDatabase $d.urls }}
  initContainers:
    {{- if $i.waitForDatabase }}
    - name: wait-for-database
      image: {{ include "dosm-rag.image" $dbImg }}
      imagePullPolicy: {{ include "dosm-rag.pullPolicy" $dbImg }}
      command:
        - /bin/sh
        - -c
        - until /usr/lib/postgresql/15/bin/pg_isready -q -d "$DATABASE_URL"; do echo "waiting for the database"; sleep 2; done
      env:
        {{- include "dosm-rag.databaseUrlEnv" . | nindent 8 }}
      securityContext:
        {{- toYaml $i.containerSecurityContext | nindent 8 }}
      resources:
        {{- toYaml $i.initResources | nindent 8 }}
    {{- end }}
    {{- if $d.urls }}
    - name: download
      image: {{ include "dosm-rag.image" $fetchImg }}
      imagePullPolicy: {{ include "dosm-rag.pullPolicy" $fetchImg }}
      command: ["/bin/sh", "/etc/dosm-rag/ingest/fetch.sh"]
      securityContext:
        {{- toYaml $i.containerSecurityContext | nindent 8 }}
      resources:
        {{- toYaml $i.initResources | nindent 8 }}
      volumeMounts:
        - name: plan
          mountPath: /etc/dosm-rag/ingest
          readOnly: true
        - name: downloads
          mountPath: /datasets/downloads
        - name: tmp
          mountPath: /tmp
    {{- end }}
  {{- end }}
  containers:
    - name: ingest
      image: {{ include "dosm-rag.image" $img }}
      imagePullPolicy: {{ include "dosm-rag.pullPolicy" $img }}
      command: ["/bin/sh", "/etc/dosm-rag/ingest/run.sh"]
      env:
        {{- include "dosm-rag.databaseUrlEnv" . | nindent 8 }}
        - name: BUILTIN
          value: {{ $d.builtIn | quote }}
        - name: NO_VACUUM
          value: {{ $i.noVacuum | quote }}
      securityContext:
        {{- toYaml $i.containerSecurityContext | nindent 8 }}
      resources:
        {{- toYaml $i.resources | nindent 8 }}
      volumeMounts:
        - name: plan
          mountPath: /etc/dosm-rag/ingest
          readOnly: true
        - name: tmp
          mountPath: /tmp
        {{- if $d.configMap }}
        - name: datasets-configmap
          mountPath: /datasets/configmap
          readOnly: true
        {{- end }}
        {{- if $d.volume }}
        - name: datasets-volume
          mountPath: /datasets/volume
          readOnly: true
        {{- end }}
        {{- if $d.urls }}
        - name: downloads
          mountPath: /datasets/downloads
          readOnly: true
        {{- end }}
  volumes:
    - name: plan
      configMap:
        name: {{ include "dosm-rag.fullname" . }}-ingest
    - name: tmp
      emptyDir: {}
    {{- if $d.configMap }}
    - name: datasets-configmap
      configMap:
        name: {{ $d.configMap }}
    {{- end }}
    {{- if $d.volume }}
    - name: datasets-volume
      {{- toYaml $d.volume | nindent 6 }}
    {{- end }}
    {{- if $d.urls }}
    - name: downloads
      emptyDir: {}
    {{- end }}
{{- end }}
