/**
 * Imported first by the bench, before any module creates an AWS client: Lambda runs Node 22, so
 * the SDK's notice about Node 20 on this machine is noise, and so are per-request logs.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
